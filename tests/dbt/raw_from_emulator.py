"""``legacy_raw`` filled straight from an emulator's store, without HTTP (fast), in the shape the extract lands.

Every registry table gets the emulator's current rows: 4D attributes rendered as the extract renders them
(``extract.records.render_text``), ``__KEY`` / ``__STAMP`` / ``__TIMESTAMP`` typed, ``_is_deleted`` false. After a
mutation, ``land_changes`` re-lands the changed keys: inserted and updated rows are upserted with their new values,
deleted rows keep their last landed values and get ``_is_deleted`` true, as the extract marks them.

Usage (module- or session-scoped, since building the dataset and the raw tables takes a moment)::

    server = EmulatorServer(scale=0.02)
    conn = psycopg2.connect(url)
    create_raw_tables_like_extract(conn)
    land_all(conn, server)
    changes = server.update("Artikel_Variante", percent=5)
    land_changes(conn, server, changes)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from psycopg2 import sql
from psycopg2.extras import execute_values

from emulator import EmulatorServer
from emulator.mutations import Changes
from extract.records import DELETED_AT, IS_DELETED, KEY, STAMP, TIMESTAMP, render_text
from extract.tables import TABLES, Table, table_for_endpoint
from flows.settings import RAW_SCHEMA


def raw_row(table: Table, entity: Mapping[str, Any]) -> tuple:
    """One served 4D entity as a raw-table row: (__KEY, __STAMP, __TIMESTAMP, attributes…, _is_deleted)."""
    timestamp = entity.get(TIMESTAMP)
    return (
        entity[KEY],
        entity.get(STAMP),
        datetime.fromisoformat(timestamp.replace("Z", "+00:00")) if timestamp else None,
        *(render_text(entity.get(column)) for column in table.columns),
        False,
    )


def _upsert(cur, table: Table, rows: list[tuple]) -> None:
    if not rows:
        return
    columns = [KEY, STAMP, TIMESTAMP, *table.columns, IS_DELETED]
    updates = sql.SQL(", ").join(
        sql.SQL("{c} = excluded.{c}").format(c=sql.Identifier(column)) for column in [*columns[1:], DELETED_AT]
    )
    statement = sql.SQL("insert into {t} ({cols}) values %s on conflict ({key}) do update set {updates}").format(
        t=sql.Identifier(RAW_SCHEMA, table.resource),
        cols=sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        key=sql.Identifier(KEY),
        updates=updates,
    )
    # _deleted_at is not in the VALUES list: "excluded" gives its default, NULL, for a row that is live again.
    execute_values(cur, statement.as_string(cur), rows, page_size=1000)


def land_all(conn, server: EmulatorServer, tables: Iterable[Table] = TABLES) -> dict[str, int]:
    """Land every row the emulator serves for the given registry tables; the row count per 4D table."""
    counts: dict[str, int] = {}
    with conn.cursor() as cur:
        for table in tables:
            rows = [raw_row(table, entity) for entity in server.rows(table.endpoint)]
            _upsert(cur, table, rows)
            counts[table.endpoint] = len(rows)
    conn.commit()
    return counts


def land_changes(conn, server: EmulatorServer, changes: Changes) -> None:
    """Re-land what a mutation changed: inserted/updated keys upserted, deleted keys marked ``_is_deleted``."""
    changed = {**changes.inserted}
    for endpoint, keys in changes.updated.items():
        changed.setdefault(endpoint, []).extend(keys)
    with conn.cursor() as cur:
        for endpoint, keys in changed.items():
            table = table_for_endpoint(endpoint)
            wanted = set(keys)
            _upsert(cur, table, [raw_row(table, e) for e in server.rows(endpoint) if e[KEY] in wanted])
        for endpoint, keys in changes.deleted.items():
            table = table_for_endpoint(endpoint)
            cur.execute(
                sql.SQL("update {t} set {deleted} = true, {at} = %s where {key} = any(%s)").format(
                    t=sql.Identifier(RAW_SCHEMA, table.resource),
                    deleted=sql.Identifier(IS_DELETED),
                    at=sql.Identifier(DELETED_AT),
                    key=sql.Identifier(KEY),
                ),
                (datetime.now(UTC), list(keys)),
            )
    conn.commit()
