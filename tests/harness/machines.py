"""Real interpreters of other machines: an aarch64 CPython on an x86_64 host.

On an aarch64 host the host's own interpreter is the aarch64 one. On an x86_64 host it
is Debian's arm64 CPython run by qemu-user through binfmt_misc, which
``scripts/aarch64-python.sh`` sets up (as root) in ``AARCH64_PYTHON_HOME``; every
process that runs it needs ``QEMU_LD_PREFIX`` (see :attr:`Interpreter.env`).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness.poetry import PoetryInstall, cache_root

__all__ = [
    "Interpreter",
    "add_pip",
    "find_interpreter",
    "host_machine",
    "make_machine_venv",
    "prepare_poetry_on",
    "venv_report",
]

_MACHINE_NAMES = {"arm64": "aarch64", "amd64": "x86_64"}


@dataclass(frozen=True)
class Interpreter:
    """A CPython of *machine*; ``env`` is what a process running it needs."""

    machine: str
    python: Path
    env: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str, **kwargs) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.python), *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=True,
            **kwargs,
        )

    def minor(self) -> str:
        """Its CPython minor, ``3.11``."""
        return self.run("-c", "import sys; print('%d.%d' % sys.version_info[:2])").stdout.strip()

    def of_venv(self, venv: Path) -> Interpreter:
        """The interpreter of a venv made from this one."""
        return Interpreter(self.machine, venv / "bin" / "python", self.env)


def host_machine() -> str:
    machine = platform.machine().lower()
    return _MACHINE_NAMES.get(machine, machine)


def aarch64_home() -> Path:
    default = cache_root() / "aarch64-python"
    return Path(os.environ.get("AARCH64_PYTHON_HOME", default))


def find_interpreter(machine: str) -> Interpreter | str:
    """A working interpreter of *machine*, or why there is none here."""
    host = host_machine()
    if machine == host:
        return Interpreter(machine, Path(sys.executable))
    if machine != "aarch64" or host != "x86_64":
        return f"no {machine} interpreter on this {host} machine"
    root = aarch64_home() / "root"
    python = root / "usr" / "bin" / "python3.11"
    if not python.exists():
        return (
            f"no aarch64 CPython at {python}: run `sudo bash scripts/aarch64-python.sh`"
            " (Debian/Ubuntu x86_64 host) first"
        )
    interpreter = Interpreter("aarch64", python, {"QEMU_LD_PREFIX": str(root)})
    try:
        reported = interpreter.run("-c", "import platform; print(platform.machine())").stdout
    except (OSError, subprocess.CalledProcessError) as e:
        return (
            f"the aarch64 CPython at {python} does not run ({e}): is qemu-aarch64"
            " registered with binfmt_misc? (scripts/aarch64-python.sh does it)"
        )
    if reported.strip() != "aarch64":
        return f"{python} reports {reported.strip()!r}, not aarch64"
    return interpreter


def make_machine_venv(interpreter: Interpreter, path: Path) -> Path:
    """A venv of *interpreter* at *path*, replacing one there (`poetry lock` makes one
    with its own Python). No pip: Poetry installs into it from outside."""
    interpreter.run("-m", "venv", "--clear", "--without-pip", str(path))
    return path


def add_pip(interpreter: Interpreter, venv: Path) -> Interpreter:
    """Give *venv* the pip the tests run with (26.3 or newer, which installs from a
    pylock.toml): pure Python, copied offline rather than installed under emulation.
    Returns the venv's interpreter."""
    import pip

    source = Path(pip.__file__).parent
    (dist_info,) = source.parent.glob(f"pip-{pip.__version__}.dist-info")
    minor = interpreter.minor()
    site_packages = venv / "lib" / f"python{minor}" / "site-packages"
    for item in (source, dist_info):
        shutil.copytree(item, site_packages / item.name, ignore=shutil.ignore_patterns("*.pyc"))
    return interpreter.of_venv(venv)


_REPORT = """\
import importlib, importlib.metadata as md, json, platform, sys
modules = sys.argv[1:]
print(json.dumps({
    "machine": platform.machine(),
    "artifacts": {m: importlib.import_module(m).ARTIFACT for m in modules},
    "wheel_tags": {
        m: [l.split(": ", 1)[1] for l in md.distribution(m).read_text("WHEEL").splitlines()
            if l.startswith("Tag: ")]
        for m in modules
    },
}))
"""


def venv_report(interpreter: Interpreter, venv: Path, *modules: str) -> dict:
    """Asked of the venv's own interpreter: its ``platform.machine()``, and for each
    module the wheel it was installed from (``ARTIFACT``) and that wheel's ``WHEEL`` tags."""
    return json.loads(interpreter.of_venv(venv).run("-c", _REPORT, *modules).stdout)


def prepare_poetry_on(interpreter: Interpreter, version: str, plugin_wheel: Path) -> PoetryInstall:
    """``poetry==version`` and the plugin in a venv of *interpreter* (cached).

    For a foreign machine the host's pip installs the machine's wheels into the venv
    (``--platform``): pip itself under emulation would take minutes.
    """
    minor = interpreter.minor()
    root = cache_root() / f"poetry-{version}-{interpreter.machine}-py{minor}"
    site_packages = root / "lib" / f"python{minor}" / "site-packages"
    stamp = root / ".complete"
    if not stamp.exists():
        shutil.rmtree(root, ignore_errors=True)
        make_machine_venv(interpreter, root)
        _pip_install_for(interpreter.machine, minor, site_packages, f"poetry=={version}")
        # pip --target writes no launcher of the venv's own; the kernel (binfmt_misc)
        # runs the foreign interpreter named here
        launcher = root / "bin" / "poetry"
        launcher.write_text(
            f"#!{root}/bin/python\nimport sys\nfrom poetry.console.application import main\n"
            "sys.exit(main())\n"
        )
        launcher.chmod(0o755)
        stamp.write_text(version)
    _pip_install_for(interpreter.machine, minor, site_packages, str(plugin_wheel), "--no-deps")
    return PoetryInstall(root=root, version=version)


def _pip_install_for(machine: str, minor: str, target: Path, *requirements: str) -> None:
    digits = minor.replace(".", "")
    platforms = [f"manylinux_2_{glibc}_{machine}" for glibc in range(36, 16, -1)]
    platforms += [f"manylinux2014_{machine}", f"linux_{machine}"]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--upgrade",
            "--only-binary=:all:",
            "--implementation",
            "cp",
            "--python-version",
            minor,
            "--abi",
            f"cp{digits}",
            *[arg for p in platforms for arg in ("--platform", p)],
            "--target",
            str(target),
            *requirements,
        ],
        check=True,
    )
