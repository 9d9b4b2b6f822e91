"""Which raw tables hold data that no successful run has published yet (dlt load ids against watermarks)."""

from __future__ import annotations

from psycopg2 import sql

from extract.tables import Table

RAW_SCHEMA = "legacy_raw"


def newest_loads(conn, tables: tuple[Table, ...]) -> dict[str, float]:
    """The newest ``_dlt_load_id`` in each landed raw table (tables not landed yet are absent)."""
    with conn.cursor() as cur:
        cur.execute(
            "select table_name from information_schema.tables where table_schema = %s and table_name = any(%s)",
            (RAW_SCHEMA, [t.resource for t in tables]),
        )
        landed = [row[0] for row in cur.fetchall()]
        if not landed:
            return {}
        cur.execute(
            sql.SQL(" union all ").join(
                sql.SQL("select {name}, max(_dlt_load_id::numeric) from {table}").format(
                    name=sql.Literal(name), table=sql.Identifier(RAW_SCHEMA, name)
                )
                for name in landed
            )
        )
        return {name: float(load) for name, load in cur.fetchall() if load is not None}


def tables_with_unpublished_loads(conn, loads: dict[str, float]) -> set[str]:
    """Raw tables whose newest load is newer than what the last successful run published."""
    with conn.cursor() as cur:
        cur.execute(
            "select raw_table, load_id from pyerp_sync.raw_watermarks where raw_table = any(%s)", (list(loads),)
        )
        published = {name: float(load) for name, load in cur.fetchall()}
    return {name for name, load in loads.items() if load > published.get(name, -1.0)}


def advance_watermarks(cur, run_id: str, loads: dict[str, float]) -> None:
    """Inside the publish transaction: these loads are now in pyERP."""
    if loads:
        cur.executemany(
            "insert into pyerp_sync.raw_watermarks (raw_table, load_id, run_id) values (%s, %s, %s) "
            "on conflict (raw_table) do update set load_id = greatest(raw_watermarks.load_id, excluded.load_id), "
            "run_id = excluded.run_id, updated_at = now()",
            [(name, load, run_id) for name, load in loads.items()],
        )
