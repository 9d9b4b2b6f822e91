"""Fixtures for the dbt project: raw tables shaped exactly as the extract lands them, and dbt run in-process.

The raw contract (decided with the extract side): schema ``legacy_raw``, one table per registry entry named by its
``resource``; every 4D attribute verbatim (case-sensitive) as ``text``; the system columns below. The tables here
are generated from ``extract.tables.TABLES``, so a registry change reaches these tests without editing them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql

from extract.tables import TABLES
from flows.database import tool_environment
from flows.dbt_runner import invoke_dbt
from flows.settings import RAW_SCHEMA, Settings

# Columns every raw table carries besides its 4D attributes (dlt system columns and the soft-delete marker).
RAW_SYSTEM_COLUMNS: tuple[tuple[str, str], ...] = (
    ("__KEY", "text not null primary key"),
    ("__STAMP", "bigint"),
    ("__TIMESTAMP", "timestamptz"),
    ("_is_deleted", "boolean not null default false"),
    ("_deleted_at", "timestamptz"),
    ("_dlt_load_id", "text not null default '1700000000.0'"),
    ("_dlt_id", "text not null default gen_random_uuid()::text"),
)
DLT_LOADS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("load_id", "text not null"),
    ("schema_name", "text"),
    ("status", "bigint not null"),
    ("inserted_at", "timestamptz not null"),
    ("schema_version_hash", "text"),
)


def _create_table(cur, name: str, columns: Sequence[tuple[str, str]]) -> None:
    definitions = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(column_type)) for column, column_type in columns
    )
    cur.execute(
        sql.SQL("create table {}.{} ({})").format(sql.Identifier(RAW_SCHEMA), sql.Identifier(name), definitions)
    )


def create_raw_tables_like_extract(conn) -> None:
    """Create ``legacy_raw`` with the 18 registry tables and dlt's ``_dlt_loads``, as the extract leaves them."""
    with conn.cursor() as cur:
        cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(RAW_SCHEMA)))
        for table in TABLES:
            attributes = [(column, "text") for column in table.columns]
            _create_table(cur, table.resource, [RAW_SYSTEM_COLUMNS[0], *attributes, *RAW_SYSTEM_COLUMNS[1:]])
        _create_table(cur, "_dlt_loads", DLT_LOADS_COLUMNS)
    conn.commit()


def insert_raw_rows(conn, resource: str, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert rows into one raw table; each row names its columns (4D names verbatim)."""
    with conn.cursor() as cur:
        for row in rows:
            cur.execute(
                sql.SQL("insert into {}.{} ({}) values ({})").format(
                    sql.Identifier(RAW_SCHEMA),
                    sql.Identifier(resource),
                    sql.SQL(", ").join(sql.Identifier(column) for column in row),
                    sql.SQL(", ").join(sql.Placeholder() for _ in row),
                ),
                list(row.values()),
            )
    conn.commit()


@dataclass(frozen=True)
class DbtProject:
    """dbt against one test database, with its own target and log folders (tests may run dbt concurrently)."""

    database_url: str
    env: Mapping[str, str]
    target_path: Path
    log_path: Path

    def invoke(self, *args: str):
        return invoke_dbt([*args, "--target-path", str(self.target_path), "--log-path", str(self.log_path)], self.env)


def dbt_project_for(database_url: str, folder: Path) -> DbtProject:
    settings = Settings(database_url=database_url, target_schema="pyerp", home=folder / "home", legacy_url=None,
                        legacy_username=None)  # fmt: skip
    return DbtProject(database_url, tool_environment(database_url, settings), folder / "target", folder / "logs")


@pytest.fixture(scope="module")
def raw_database(create_database: Callable[[], str]) -> Iterator[str]:
    """A database of its own for a test module, with the raw tables created (and empty)."""
    url = create_database()
    conn = psycopg2.connect(url)
    try:
        create_raw_tables_like_extract(conn)
    finally:
        conn.close()
    yield url
