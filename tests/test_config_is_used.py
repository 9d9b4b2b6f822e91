"""Guard (STYLE §3.7, §3.8): `.env.example` and the environment variables the code reads are the same list, and
`flows/settings.py` is the only Python that reads the environment.

Reads and writes are told apart from the source's syntax tree: setting a variable for a child tool (dbt, Prefect,
a subprocess) is a write and allowed anywhere; looking a value up is a read and belongs in settings.py.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from flows.database import tool_environment
from flows.settings import PROJECT_ROOT, Settings

SETTINGS = PROJECT_ROOT / "flows" / "settings.py"
PACKAGES = ("flows", "extract", "emulator")
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
# Calls on os.environ that change it (for the child tools that read it) rather than look a value up.
WRITING_METHODS = {"update", "pop", "setdefault", "clear", "popitem", "__setitem__", "__delitem__"}
# Reads outside settings.py that are not configuration, each with why.
ALLOWED_READS = {
    ("flows/dbt_runner.py", "dbt_environment"): "saves the variables it is about to overwrite for dbt, to restore them",
}


@dataclass(frozen=True)
class EnvAccess:
    path: str
    line: int
    function: str
    kind: str  # "read", "write" or "pass-through" (the whole environment handed to a child process)
    name: str | None  # the variable, when the source names it with a literal


def env_example_keys() -> list[str]:
    lines = (PROJECT_ROOT / ".env.example").read_text().splitlines()
    return [line.split("=", 1)[0].strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _is_environ(node: ast.AST) -> bool:
    """``os.environ`` (or a bare ``environ`` imported from os)."""
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


class _Finder(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.function = "<module>"
        self.found: list[EnvAccess] = []

    def _add(self, node: ast.AST, kind: str, name: str | None = None) -> None:
        self.found.append(EnvAccess(self.path, node.lineno, self.function, kind, name))

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and _is_environ(func.value):
            kind = {**dict.fromkeys(WRITING_METHODS, "write"), "copy": "pass-through"}.get(func.attr, "read")
            self._add(node, kind, _literal(node.args[0]) if node.args else None)
            self.generic_visit(func.value)
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                self.visit(arg)
            return
        if (isinstance(func, ast.Attribute) and func.attr == "getenv") or (
            isinstance(func, ast.Name) and func.id == "getenv"
        ):
            self._add(node, "read", _literal(node.args[0]) if node.args else None)
        elif isinstance(func, ast.Name) and func.id == "dict" and node.args and _is_environ(node.args[0]):
            self._add(node, "pass-through")
            return
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if _is_environ(node.value):
            kind = "read" if isinstance(node.ctx, ast.Load) else "write"
            self._add(node, kind, _literal(node.slice))
            self.visit(node.slice)
            return
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None and _is_environ(value):  # {**os.environ, ...}: the environment handed on to a child
                self._add(value, "pass-through")
            else:
                if key is not None:
                    self.visit(key)
                self.visit(value)

    def visit_Compare(self, node: ast.Compare) -> None:
        if any(_is_environ(c) for c in node.comparators):  # "X" in os.environ
            self._add(node, "read", _literal(node.left))
            self.visit(node.left)
            return
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if _is_environ(node) and not isinstance(node.ctx, ast.Load):
            self._add(node, "write")
        elif _is_environ(node):
            self._add(node, "read")  # any other use of the mapping: os.environ passed around, iterated, …
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "environ":
            self._add(node, "read")


def env_accesses(path: Path) -> list[EnvAccess]:
    finder = _Finder(path.relative_to(PROJECT_ROOT).as_posix())
    finder.visit(ast.parse(path.read_text(), filename=str(path)))
    return finder.found


def settings_reads() -> set[str]:
    """The variables settings.py reads: keys looked up in the merged environment or in os.environ."""
    tree = ast.parse(SETTINGS.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            name = _literal(node.args[0]) if node.args else None
        elif isinstance(node, ast.Subscript):
            name = _literal(node.slice)
        else:
            continue
        if name and ENV_NAME.match(name):
            names.add(name)
    return names


def python_sources() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (PROJECT_ROOT / package).rglob("*.py"))


def test_every_env_example_key_is_read_by_settings_or_is_a_tools_own() -> None:
    keys = env_example_keys()
    assert len(keys) == len(set(keys)), "a key is listed twice in .env.example"
    unread = [key for key in keys if key not in settings_reads() and not key.startswith("PREFECT_")]
    assert unread == [], f".env.example lists variables no code reads: {unread}"


def test_every_variable_settings_reads_is_in_env_example() -> None:
    assert settings_reads() - set(env_example_keys()) == set()
    assert {"PYERP_SYNC_DATABASE_URL", "LEGACY_4D_URL", "PYERP_SYNC_TEST_DATABASE_URL"} <= settings_reads()


def test_settings_is_the_only_module_that_reads_the_environment() -> None:
    reads = [
        access
        for path in python_sources()
        if path != SETTINGS
        for access in env_accesses(path)
        if access.kind == "read" and (access.path, access.function) not in ALLOWED_READS
    ]
    assert reads == [], "only flows/settings.py reads os.environ; hand the value over from Settings instead"


def test_the_finder_tells_reads_from_writes(tmp_path: Path) -> None:
    """The guard above is only as good as this classification: check it on each form it must recognise."""
    source = tmp_path / "sample.py"
    source.write_text(
        "import os\n"
        "from os import getenv\n"
        "def reads():\n"
        "    a = os.environ['A']\n"
        "    b = os.environ.get('B')\n"
        "    c = os.getenv('C')\n"
        "    d = getenv('D')\n"
        "    e = 'E' in os.environ\n"
        "    f = [k for k in os.environ]\n"
        "def writes():\n"
        "    os.environ['W'] = '1'\n"
        "    os.environ.update({'X': '1'})\n"
        "    os.environ.setdefault('Y', '1')\n"
        "    os.environ.pop('Z', None)\n"
        "    del os.environ['V']\n"
        "def hands_on():\n"
        "    return {**os.environ, 'P': '1'}, os.environ.copy()\n"
    )
    finder = _Finder("sample.py")
    finder.visit(ast.parse(source.read_text()))
    by_kind: dict[str, list[tuple[str, str | None]]] = {}
    for access in finder.found:
        by_kind.setdefault(access.kind, []).append((access.function, access.name))
    assert sorted(by_kind["read"], key=str) == sorted(
        [("reads", "A"), ("reads", "B"), ("reads", "C"), ("reads", "D"), ("reads", "E"), ("reads", None)], key=str
    )
    assert sorted(by_kind["write"], key=str) == sorted(
        [("writes", "V"), ("writes", "W"), ("writes", "Y"), ("writes", "Z"), ("writes", None)], key=str
    )
    assert by_kind["pass-through"] == [("hands_on", None), ("hands_on", None)]


def test_the_allowed_reads_still_exist() -> None:
    """An exception that no longer matches any code is dead config too."""
    found = {(a.path, a.function) for path in python_sources() for a in env_accesses(path) if a.kind == "read"}
    assert set(ALLOWED_READS) <= found


def test_what_profiles_yml_reads_is_what_the_sync_hands_to_dbt(tmp_path: Path) -> None:
    """dbt's profile reads derived variables, never a person's: each is set by ``tool_environment``."""
    profile = (PROJECT_ROOT / "profiles.yml").read_text()
    read = set(re.findall(r"env_var\(\s*['\"]([A-Z0-9_]+)['\"]", profile))
    settings = Settings(database_url=None, target_schema="pyerp", home=tmp_path, legacy_url=None, legacy_username=None)
    handed = set(tool_environment("postgresql://user:secret@db.example:5433/pyerp", settings))
    assert read and read <= handed
    yaml.safe_load(profile)  # still a valid profile file
