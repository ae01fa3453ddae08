"""Make a CPython report another machine: a ``sitecustomize`` on ``PYTHONPATH``.

A stand-in for a real foreign interpreter where only reported values matter (marker
environment, platform tags): ``platform.machine()``, ``platform.uname()``,
``os.uname()`` and ``sysconfig.get_platform()`` say *machine*. For a Poetry process,
put it on ``PYTHONPATH``; for a venv Poetry inspects with ``python -I`` (which ignores
``PYTHONPATH``), put it in the venv's site-packages.
"""

from __future__ import annotations

import venv
from pathlib import Path

__all__ = ["fake_machine", "fake_machine_pythonpath", "fake_machine_venv"]

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


def fake_machine_venv(venv: Path, machine: str) -> Path:
    """Make the venv's interpreter report *machine*, even under ``python -I``."""
    (site_packages,) = venv.glob("lib/python*/site-packages")
    fake_machine_pythonpath(site_packages, machine)
    return venv


def fake_machine(project: Path, machine: str) -> dict[str, str]:
    """A runner of another machine for *project*: its ``.venv`` (made here) reports
    *machine*; the returned environment makes the Poetry process report it too
    (Poetry 2.0–2.2 compute a venv's platform tags in Poetry's own process)."""
    fake_machine_venv(venv_at(project / ".venv"), machine)
    return {"PYTHONPATH": fake_machine_pythonpath(project.parent / f"fake-{machine}", machine)}


def venv_at(path: Path) -> Path:
    venv.EnvBuilder(with_pip=False).create(path)
    return path
