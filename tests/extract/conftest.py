"""Fixtures for the extract tests: the 4D emulator over real HTTP and a runner into a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from emulator import EmulatorServer
from emulator import schema as emulator_schema
from extract.client import RetryPolicy
from extract.pipeline import ExtractResult, run_extract
from extract.records import render_text
from extract.tables import TABLES
from flows.database import ConnectionParts

SCALE = 0.01
# Short budgets keep failure tests fast; the defaults (about a minute) are checked in test_client.py.
FAST_RETRIES = RetryPolicy(transient_budget=15.0, start_budget=3.0, session_limit_budget=4.0, max_wait=0.3)
SYSTEM = ("__KEY", "__STAMP", "__TIMESTAMP", "__GlobalStamp")


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """A production-like 4D server: change tracking off, a single session licence."""
    with EmulatorServer(scale=SCALE, seed=42, max_sessions=1) as server:
        yield server


@dataclass
class Extractor:
    base_url: str
    database_url: str
    home: Path
    policy: RetryPolicy = FAST_RETRIES

    @property
    def credentials(self) -> dict[str, object]:
        return ConnectionParts.from_url(self.database_url).dlt_credentials()

    @property
    def session_file(self) -> Path:
        return self.home / "4d-session.json"

    def run(self, **options: Any) -> ExtractResult:
        options.setdefault("retry_policy", self.policy)
        return run_extract(
            self.base_url,
            destination_credentials=self.credentials,
            dlt_dir=self.home / "dlt",
            session_file=self.session_file,
            **options,
        )

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        conn = psycopg2.connect(self.database_url)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        finally:
            conn.close()

    def raw_rows(self, resource: str) -> list[dict[str, Any]]:
        conn = psycopg2.connect(self.database_url)
        try:
            with conn.cursor() as cur:
                cur.execute(f'select * from legacy_raw."{resource}"')
                names = [d[0] for d in cur.description]
                return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        finally:
            conn.close()


@pytest.fixture
def make_extractor(database_url: str, tmp_path: Path) -> Callable[[EmulatorServer], Extractor]:
    def make(server: EmulatorServer) -> Extractor:
        return Extractor(base_url=server.base_url, database_url=database_url, home=tmp_path / "home")

    return make


def _relations_to_many(table: str) -> set[str]:
    spec = next(t for t in emulator_schema.TABLES if t.name == table)
    return {a.name for a in spec.attributes if a.kind == "relatedEntities"}


def assert_raw_matches(server: EmulatorServer, extractor: Extractor) -> None:
    """legacy_raw equals the emulator row for row: every live row with every attribute as text, and every row 4D
    no longer has is marked deleted."""
    for table in TABLES:
        served = list(server.rows(table.endpoint))
        raw = extractor.raw_rows(table.resource)
        skip = _relations_to_many(table.endpoint) | set(SYSTEM)
        attributes = sorted({name for row in served for name in row} - skip)
        missing_columns = set(attributes) - set(raw[0] if raw else attributes)
        assert not missing_columns, f"{table.endpoint}: attributes not landed: {missing_columns}"
        expected = {
            (row["__KEY"], row["__STAMP"], tuple(render_text(row.get(name)) for name in attributes)) for row in served
        }
        live = {
            (row["__KEY"], row["__STAMP"], tuple(row.get(name) for name in attributes))
            for row in raw
            if not row["_is_deleted"]
        }
        extra, lost = live - expected, expected - live
        assert not extra and not lost, (
            f"{table.endpoint}: {len(extra)} raw rows not on the server, {len(lost)} server rows not landed; "
            f"e.g. extra {sorted(extra)[:1]} lost {sorted(lost)[:1]}"
        )
        served_keys = {row["__KEY"] for row in served}
        for row in raw:
            if row["__KEY"] not in served_keys:
                assert row["_is_deleted"] and row["_deleted_at"] is not None, f"{table.endpoint}: {row['__KEY']}"
        assert len(raw) == len({row["__KEY"] for row in raw}), f"{table.endpoint}: duplicate keys"
