"""The packages' arrows point one way: emulator and extract import nothing of ours; flows imports extract, and the
emulator only to serve it (the ``pyerp-sync emulator`` command); benchmarks and tests may import anything. Every
import counts, those inside a function too: a function-level import hides an arrow, it does not remove it."""

from __future__ import annotations

import ast
from pathlib import Path

from flows.settings import PROJECT_ROOT

OURS = ("emulator", "extract", "flows", "benchmarks", "tests")

# package -> the packages of ours it may import (itself included)
ALLOWED = {
    "emulator": {"emulator"},
    "extract": {"extract"},
    "flows": {"flows", "extract"},
}
# single modules allowed one more arrow, and why
EXCEPTIONS = {
    ("flows/cli/setup.py", "emulator"): "the `pyerp-sync emulator` command serves the bundled emulator",
}


def imported_packages(path: Path) -> set[str]:
    """Our top-level packages a module imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names if name.split(".")[0] in OURS}
    return found


def test_imports_point_one_way() -> None:
    wrong: list[str] = []
    checked = 0
    for package, allowed in ALLOWED.items():
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            relative = path.relative_to(PROJECT_ROOT).as_posix()
            checked += 1
            for imported in sorted(imported_packages(path) - allowed):
                if (relative, imported) not in EXCEPTIONS:
                    wrong.append(f"{relative} imports {imported}")
    assert checked > 60  # every module of the three packages was read
    assert wrong == []


def test_the_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import os\n\ndef f():\n    from benchmarks import soak\n    import flows.sync\n")
    assert imported_packages(module) == {"benchmarks", "flows"}
