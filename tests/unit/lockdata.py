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
