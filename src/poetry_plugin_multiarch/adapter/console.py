"""How a :class:`MultiarchError` looks on the console: the one place that renders it."""

from __future__ import annotations

from cleo.exceptions import CleoUserError
from cleo.formatters.formatter import Formatter

from poetry_plugin_multiarch.errors import MultiarchError

__all__ = ["MultiarchUserError", "as_user_error"]


class MultiarchUserError(CleoUserError):
    """A :class:`MultiarchError` as cleo shows user errors: message, never a trace."""


def as_user_error(error: MultiarchError) -> MultiarchUserError:
    """The message, then the hint as a comment; cleo renders it without a traceback,
    even with ``-v``."""
    text = Formatter.escape(error.message)
    if error.hint:
        text += f"\n\n<comment>{Formatter.escape(error.hint)}</comment>"
    return MultiarchUserError(text)
