"""poetry-plugin-multiarch: one ``poetry.lock`` for every machine a project runs on."""

from __future__ import annotations

__version__ = "0.1.0"
