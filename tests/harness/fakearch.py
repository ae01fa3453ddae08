"""Make a CPython report another machine: a ``sitecustomize`` on ``PYTHONPATH``.

A stand-in for a real foreign interpreter where only reported values matter (marker
environment, platform tags): ``platform.machine()``, ``platform.uname()``,
``os.uname()`` and ``sysconfig.get_platform()`` say *machine*. Child processes
inherit ``PYTHONPATH``, so a project venv's Python Poetry starts reports it too.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["fake_machine_pythonpath"]

_SITECUSTOMIZE = """\
import os, platform, sysconfig

_MACHINE = {machine!r}
_uname = platform.uname
_os_uname = os.uname
platform.machine = lambda: _MACHINE
platform.uname = lambda: _uname()._replace(machine=_MACHINE)
os.uname = lambda: type(_os_uname())(
    (*tuple(_os_uname())[:4], _MACHINE)
)
sysconfig.get_platform = lambda: "linux-" + _MACHINE
"""


def fake_machine_pythonpath(directory: Path, machine: str) -> str:
    """Write the ``sitecustomize`` into *directory*; return it for ``PYTHONPATH``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sitecustomize.py").write_text(_SITECUSTOMIZE.format(machine=machine))
    return str(directory)
