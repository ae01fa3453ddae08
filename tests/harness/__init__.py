"""Real parts for tests: wheels built on the fly, a PEP 503 index on 127.0.0.1,
and a pinned Poetry with the plugin installed the way users install it."""
