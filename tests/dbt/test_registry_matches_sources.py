"""Guard: the extract registry, the dbt sources and the staging models name the same 18 raw tables.

A table added to ``extract/tables.py`` without a source entry and a staging model (or the reverse) fails here, not
in a nightly run.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml

from extract.tables import TABLES

STAGING_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "staging" / "legacy_4d"
SOURCES_FILE = STAGING_DIR / "_legacy_4d__sources.yml"
DLT_TABLES = {"_dlt_loads"}  # dlt's own bookkeeping, declared as a source for freshness only
SOURCE_CALL = re.compile(r"""source\(\s*['"]legacy_4d['"]\s*,\s*['"]([a-z0-9_]+)['"]\s*\)""")


def _source_tables() -> list[dict]:
    [source] = yaml.safe_load(SOURCES_FILE.read_text())["sources"]
    assert source["name"] == "legacy_4d" and source["schema"] == "legacy_raw"
    return source["tables"]


def test_every_registry_table_is_a_source_and_every_source_is_in_the_registry() -> None:
    registry = {table.resource for table in TABLES}
    sources = {table["name"] for table in _source_tables()} - DLT_TABLES
    assert registry - sources == set(), "registry tables missing from _legacy_4d__sources.yml"
    assert sources - registry == set(), "sources that the registry does not land"


def test_source_tables_point_at_the_raw_table_of_the_same_name() -> None:
    for table in _source_tables():
        assert table.get("identifier", table["name"]) == table["name"]
        assert table["description"].strip()


def test_source_columns_that_are_not_lower_case_are_quoted() -> None:
    registry = {table.resource: set(table.columns) | {"__KEY"} for table in TABLES}
    for table in _source_tables():
        for column in table.get("columns", []):
            if table["name"] in registry and column["name"] not in {"__STAMP", "__TIMESTAMP"}:
                assert column["name"] in registry[table["name"]] | {"_is_deleted", "_deleted_at", "_dlt_load_id"}
            if column["name"] != column["name"].lower() or not column["name"].isascii():
                assert column.get("quote") is True, f"{table['name']}.{column['name']} needs quote: true"


def test_every_registry_table_has_exactly_one_staging_model() -> None:
    readers: Counter[str] = Counter()
    for path in STAGING_DIR.glob("*.sql"):
        tables = set(SOURCE_CALL.findall(path.read_text()))
        assert path.stem.startswith("stg_legacy_4d__") and len(tables) == 1, f"{path.name} reads {tables}"
        readers.update(tables)
    assert readers == Counter({table.resource: 1 for table in TABLES})
