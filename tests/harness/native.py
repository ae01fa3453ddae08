"""A wheel with a real C++ extension module, compiled for an interpreter's machine.

C++-linked wheels (numpy 2.x and most scientific packages) load the machine's
``libstdc++.so.6`` and ``libgcc_s.so.1`` when imported. The extension built here needs
both: it formats with iostreams and throws and catches an exception. It is compiled
with ``aarch64-linux-gnu-g++`` for the emulated aarch64 CPython of an x86_64 host
(``scripts/aarch64-python.sh`` installs that compiler and Python's headers into the
sysroot), with the host's ``g++`` for the host's own interpreter.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.harness.machines import Interpreter, host_machine
from tests.harness.wheels import build_wheel

__all__ = ["build_cxx_wheel"]

_SOURCE = r"""
#include <Python.h>
#include <sstream>
#include <stdexcept>

static PyObject *greet(PyObject *, PyObject *arg) {
    const char *name = PyUnicode_AsUTF8(arg);
    if (name == nullptr) return nullptr;
    std::ostringstream out;
    try {
        throw std::runtime_error(name);
    } catch (const std::exception &e) {
        out << "hello " << e.what() << " from C++";
    }
    return PyUnicode_FromString(out.str().c_str());
}

static PyMethodDef methods[] = {
    {"greet", greet, METH_O, "A greeting made with libstdc++."},
    {nullptr, nullptr, 0, nullptr},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", nullptr, -1, methods};

extern "C" PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
"""

_BUILD_INFO = """\
import importlib.machinery, json, sysconfig
paths = sysconfig.get_paths()
print(json.dumps({
    "include": [paths["include"], paths["platinclude"]],
    "suffix": importlib.machinery.EXTENSION_SUFFIXES[0],
    "nodot": sysconfig.get_config_var("py_version_nodot"),
}))
"""


def build_cxx_wheel(directory: Path, interpreter: Interpreter, name: str, version: str) -> Path:
    """``{name}-{version}-cpXY-cpXY-manylinux_2_17_{machine}.whl``: ``import name`` loads
    the C++ extension ``name._native``; ``name.greet("x")`` is ``"hello x from C++"``."""
    info = json.loads(interpreter.run("-c", _BUILD_INFO).stdout)
    includes = [f"-I{path}" for path in info["include"]]
    sysroot = interpreter.env.get("QEMU_LD_PREFIX")
    if sysroot:  # Debian's pyconfig.h includes <aarch64-linux-gnu/python3.11/pyconfig.h>
        includes += ["-idirafter", f"{sysroot}/usr/include"]
    compiler = _compiler(interpreter.machine)
    work = directory / f"{name}-build"
    work.mkdir(parents=True, exist_ok=True)
    (work / "native.cpp").write_text(_SOURCE)
    extension = work / f"_native{info['suffix']}"
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O1", *includes, "native.cpp", "-o", extension.name],
        cwd=work,
        check=True,
    )
    binary = extension.read_bytes()
    assert b"libstdc++.so.6" in binary, "the extension does not link libstdc++ dynamically"
    module = name.replace("-", "_")
    python = f"cp{info['nodot']}"
    return build_wheel(
        directory,
        name,
        version,
        f"{python}-{python}-manylinux_2_17_{interpreter.machine}",
        files={
            f"{module}/__init__.py": "from ._native import greet\n",
            f"{module}/{extension.name}": binary,
        },
    )


def _compiler(machine: str) -> str:
    name = "g++" if machine == host_machine() else f"{machine}-linux-gnu-g++"
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(
            f"no {name} to build a {machine} C++ extension: `sudo bash"
            " scripts/aarch64-python.sh` installs it (Debian/Ubuntu: g++-aarch64-linux-gnu)"
        )
    return found
