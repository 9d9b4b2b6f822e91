"""Read access to what is already landed in ``legacy_raw``: stamps, keys, counts, and rows to mark deleted.

The extract compares what 4D sends with what is landed so that an incremental run lands only real changes and
finds deletions without reading whole tables from 4D. Everything here is one set-based query; nothing here writes
(dlt's load does, in one load package together with the cursors in dlt state).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

import psycopg2
from psycopg2 import sql

from extract.records import DELETED_AT, IS_DELETED, KEY, STAMP

RAW_SCHEMA = "legacy_raw"


class RawStore:
    """A psycopg2 connection to the destination, built from dlt's credentials dict."""

    def __init__(self, credentials: Mapping[str, Any], schema: str = RAW_SCHEMA) -> None:
        self.schema = schema
        self._conn = psycopg2.connect(
            # dlt takes a Unix-socket folder URL-encoded as the host (it builds a URL from it); libpq wants it plain
            host=unquote(str(credentials["host"])),
            port=int(credentials.get("port") or 5432),
            user=str(credentials["username"]),
            password=str(credentials.get("password") or ""),
            dbname=str(credentials["database"]),
            connect_timeout=10,
            application_name="pyerp-sync extract",
        )
        self._conn.autocommit = True
        self._columns: dict[str, set[str] | None] = {}

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> RawStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _table(self, table: str) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.schema), sql.Identifier(table))

    def _fetch(self, query: sql.Composable, params: Sequence[Any] = ()) -> list[tuple]:
        with self._conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall()

    def columns(self, table: str) -> set[str] | None:
        """The columns of a landed raw table; None when it does not exist yet."""
        if table not in self._columns:
            rows = self._fetch(
                sql.SQL(
                    "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
                ),
                (self.schema, table),
            )
            self._columns[table] = {r[0] for r in rows} or None
        return self._columns[table]

    def exists(self, table: str) -> bool:
        cols = self.columns(table)
        return cols is not None and {KEY, STAMP, IS_DELETED} <= cols

    def live_count(self, table: str) -> int:
        if not self.exists(table):
            return 0
        query = sql.SQL("select count(*) from {} where not {}").format(self._table(table), sql.Identifier(IS_DELETED))
        return int(self._fetch(query)[0][0])

    def live_stamps(self, table: str, keys: Sequence[str] | None = None) -> dict[str, int | None]:
        """``__KEY -> __STAMP`` of landed, not deleted rows: all of them, or those among ``keys``."""
        if not self.exists(table):
            return {}
        query = sql.SQL("select {}, {} from {} where not {}").format(
            sql.Identifier(KEY), sql.Identifier(STAMP), self._table(table), sql.Identifier(IS_DELETED)
        )
        params: tuple = ()
        if keys is not None:
            if not keys:
                return {}
            query = query + sql.SQL(" and {} = any(%s)").format(sql.Identifier(KEY))
            params = (list(keys),)
        return dict(self._fetch(query, params))

    def live_keys_where(self, table: str, column: str, values: Iterable[str | None]) -> dict[str, str]:
        """``__KEY -> column`` of landed, not deleted rows whose ``column`` (text) is one of ``values``."""
        values = list(values)
        if not values or not self.exists(table) or column not in (self.columns(table) or set()):
            return {}
        query = sql.SQL("select {}, {} from {} where not {} and {} = any(%s)").format(
            sql.Identifier(KEY),
            sql.Identifier(column),
            self._table(table),
            sql.Identifier(IS_DELETED),
            sql.Identifier(column),
        )
        return dict(self._fetch(query, (values,)))

    def live_rows(self, table: str, keys: Sequence[str], columns: Sequence[str]) -> list[dict[str, Any]]:
        """The landed content of not-deleted rows, for re-emitting them with the deletion marker."""
        if not keys or not self.exists(table):
            return []
        landed = self.columns(table) or set()
        selected = [sql.Identifier(c) if c in landed else sql.SQL("null") for c in columns]
        query = sql.SQL("select {} from {} where not {} and {} = any(%s)").format(
            sql.SQL(", ").join(selected), self._table(table), sql.Identifier(IS_DELETED), sql.Identifier(KEY)
        )
        return [dict(zip(columns, row, strict=True)) for row in self._fetch(query, (list(keys),))]


__all__ = ["DELETED_AT", "RawStore"]
