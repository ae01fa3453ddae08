"""Canned lock data as Poetry 2.5.1 with the plugin writes it for the seed."""

from __future__ import annotations

INDEX = "http://127.0.0.1:8080/main/simple"
URL = "http://127.0.0.1:8080/files/jaxlib-0.1.71-py3-none-manylinux2014_aarch64.whl"


def seed_lock_data(index_markers: str = 'platform_machine == "x86_64"') -> dict:
    return {
        "package": [
            {
                "name": "jax",
                "version": "0.2.20",
                "groups": ["main"],
                "files": [{"file": "jax-0.2.20-py3-none-any.whl", "hash": "sha256:aa"}],
                "source": {"type": "legacy", "url": INDEX, "reference": "main"},
            },
            {
                "name": "jaxlib",
                "version": "0.1.71",
                "groups": ["main"],
                "markers": index_markers,
                "files": [
                    {"file": "jaxlib-0.1.71-py3-none-manylinux2014_x86_64.whl", "hash": "sha256:bb"}
                ],
                "source": {"type": "legacy", "url": INDEX, "reference": "main"},
            },
            {
                "name": "jaxlib",
                "version": "0.1.71",
                "groups": ["main"],
                "markers": 'platform_machine == "aarch64"',
                "files": [
                    {
                        "file": "jaxlib-0.1.71-py3-none-manylinux2014_aarch64.whl",
                        "hash": "sha256:cc",
                    }
                ],
                "source": {"type": "url", "url": URL},
            },
            {
                "name": "pytest",
                "version": "8.0.0",
                "groups": ["dev"],
                "markers": {"dev": 'sys_platform == "linux"'},
                "files": [{"file": "pytest-8.0.0-py3-none-any.whl", "hash": "sha256:dd"}],
            },
        ],
        "metadata": {"lock-version": "2.1", "python-versions": ">=3.10", "content-hash": "x"},
    }


#: the markers the steered solver writes for `t`: 2.5.0 has no macOS x86_64 wheel
MACOS_X86_64 = 'platform_machine == "x86_64" and sys_platform == "darwin"'
NOT_MACOS_X86_64 = 'platform_machine != "x86_64" or sys_platform != "darwin"'


def _index_entry(name: str, version: str, *files: str, markers: str | None = None) -> dict:
    entry = {
        "name": name,
        "version": version,
        "groups": ["main"],
        "files": [
            {"file": f, "hash": "sha256:00", "url": f"http://127.0.0.1:8080/files/{f}"}
            for f in files
        ],
    }
    if markers:
        entry["markers"] = markers
    return entry


def forked_lock_data() -> dict:
    """A lock with `t` forked by the solver (torch-like: 2.5.0 dropped its macOS
    x86_64 wheels, 2.2.2 has one), `numpy` given by the user as alternatives of two
    versions for x86_64 and aarch64 only, and `b`, an sdist only."""
    return {
        "package": [
            _index_entry("b", "1.0", "b-1.0.tar.gz"),
            _index_entry(
                "numpy",
                "1.24.0",
                "numpy-1.24.0-py3-none-any.whl",
                markers='platform_machine == "aarch64"',
            ),
            _index_entry(
                "numpy",
                "1.26.4",
                "numpy-1.26.4-py3-none-any.whl",
                markers='platform_machine == "x86_64"',
            ),
            _index_entry(
                "t", "2.2.2", "t-2.2.2-py3-none-macosx_10_9_x86_64.whl", markers=MACOS_X86_64
            ),
            _index_entry(
                "t",
                "2.5.0",
                "t-2.5.0-py3-none-manylinux2014_x86_64.whl",
                "t-2.5.0-py3-none-manylinux2014_aarch64.whl",
                "t-2.5.0-py3-none-macosx_11_0_arm64.whl",
                markers=NOT_MACOS_X86_64,
            ),
        ],
        "metadata": {"lock-version": "2.1", "python-versions": ">=3.10", "content-hash": "x"},
    }
