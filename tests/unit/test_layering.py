"""The core stays plain Python: only ``adapter``, ``commands`` and ``plugin`` may
import Poetry or cleo."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "poetry_plugin_multiarch"
CORE = sorted(p for p in PACKAGE.glob("*.py") if p.name != "plugin.py")


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_modules_exist() -> None:
    assert {p.name for p in CORE} >= {"lockmodel.py", "selection.py", "targets.py"}


@pytest.mark.parametrize("module", CORE, ids=lambda p: p.name)
def test_core_module_imports_neither_poetry_nor_cleo(module: Path) -> None:
    assert not imported_roots(module) & {"poetry", "cleo"}
