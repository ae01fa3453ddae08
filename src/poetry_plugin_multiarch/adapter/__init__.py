"""The only package that touches Poetry's internals.

Everything here is a thin translation between Poetry's objects and the plugin's
plain-data core; differences between Poetry releases are handled in ``compat``.
"""
