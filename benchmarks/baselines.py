"""The baselines the sync is compared with, on the same rows in the same run.

COPY limit, our landing path and dlt's default dict path reuse ``benchmarks.landing``; row-by-row (the approach of the
scripts being replaced) and one bulk ``MERGE`` of the mart rows (against publish) are here.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

from psycopg2 import sql

from benchmarks import landing as bench
from extract.records import KEY, arrow_schema, render_text
from extract.tables import TABLES
from flows import database
from flows.database import ConnectionParts
from flows.entities import ENTITIES
from flows.errors import first_line
from flows.publish import MARTS_SCHEMA, target_shape

ROW_BY_ROW_TABLES = ("Artikel_Variante", "Belege_Pos")
ROW_BY_ROW_MIN = 50_000


@dataclass
class Timing:
    rows: int
    seconds: float
    note: str = ""

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def copy_credentials(url: str) -> dict[str, object]:
    """What ``benchmarks.landing._connect`` takes: the raw host (a socket directory is fine for psycopg2)."""
    parts = ConnectionParts.from_url(url)
    return {
        "host": parts.host,
        "port": parts.port,
        "username": parts.user,
        "password": parts.password or None,
        "database": parts.dbname,
    }


def copy_limit(url: str, pages: bench.Pages, attributes: dict[str, tuple[str, ...]]) -> tuple[Timing, Timing]:
    """Plain psycopg2 COPY into tables of the landed shape: (render CSV + COPY, the COPY statements alone)."""
    rows = _count(pages)
    started = time.perf_counter()
    copy_only = bench.land_with_copy(copy_credentials(url), pages, attributes)
    return Timing(rows, time.perf_counter() - started), Timing(rows, copy_only)


def landing(url: str, dlt_dir: Path, pages: bench.Pages, attributes: dict[str, tuple[str, ...]]) -> Timing:
    """Our landing path (Arrow pages, dlt CSV + COPY) on the rows already in memory."""
    started = time.perf_counter()
    credentials = ConnectionParts.from_url(url).dlt_credentials()
    bench.land_with_dlt(credentials, dlt_dir, pages, attributes, as_dicts=False)
    return Timing(_count(pages), time.perf_counter() - started)


def dlt_default(url: str, dlt_dir: Path, pages: bench.Pages, attributes: dict[str, tuple[str, ...]]) -> Timing:
    """The same rows through dlt's default path: dicts, normalize, insert_values, merge."""
    started = time.perf_counter()
    credentials = ConnectionParts.from_url(url).dlt_credentials()
    bench.land_with_dlt(credentials, dlt_dir, pages, attributes, as_dicts=True)
    return Timing(_count(pages), time.perf_counter() - started)


def _count(pages: bench.Pages) -> int:
    return sum(len(page) for table_pages in pages.values() for page in table_pages)


def row_by_row(copy_url: str, pages: bench.Pages, attributes: dict[str, tuple[str, ...]]) -> Timing:
    """Per row: SELECT by key, then INSERT or UPDATE, all in one transaction (psycopg2), on ≥ 50,000 rows.

    Runs in the COPY baseline's database (its ``legacy_raw`` tables hold every row): each table gets a fresh copy of
    the raw table's shape and indexes in ``bench_rbr``, every other sampled row is put there beforehand (untimed), so
    the loop does about half updates, half inserts."""
    sample: list[tuple[str, list[str], list[list[object]]]] = []
    taken = 0
    for endpoint in ROW_BY_ROW_TABLES:
        table = next(t for t in TABLES if t.endpoint == endpoint)
        names = [*arrow_schema(attributes[table.resource], tracked=False).names, "_dlt_load_id", "_dlt_id"]
        values: list[list[object]] = []
        for entity in (entity for page in pages[table.resource] for entity in page):
            if taken >= ROW_BY_ROW_MIN:
                break
            row = [entity[KEY], entity.get("__STAMP"), entity.get("__TIMESTAMP")]
            row += [render_text(entity.get(a)) for a in attributes[table.resource]]
            row += [False, None, "row-by-row", f"rbr-{taken:014d}"]
            values.append(row)
            taken += 1
        sample.append((table.resource, names, values))
    note = "" if taken >= ROW_BY_ROW_MIN else f"only {taken:,} rows of {'/'.join(ROW_BY_ROW_TABLES)} at this scale"

    conn = database.connect(copy_url)
    with contextlib.closing(conn):
        with conn.cursor() as cur:
            cur.execute("drop schema if exists bench_rbr cascade; create schema bench_rbr")
            for resource, _names, values in sample:
                target = sql.Identifier("bench_rbr", resource)
                cur.execute(
                    sql.SQL("create table {} (like {} including all)").format(
                        target, sql.Identifier("legacy_raw", resource)
                    )
                )
                cur.execute(
                    sql.SQL("insert into {} select * from {} where {} = any(%s)").format(
                        target, sql.Identifier("legacy_raw", resource), sql.Identifier(KEY)
                    ),
                    ([row[0] for row in values[::2]],),
                )
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cur:
            for resource, names, values in sample:
                target = sql.Identifier("bench_rbr", resource)
                select = sql.SQL("select 1 from {} where {} = %s").format(target, sql.Identifier(KEY))
                insert = sql.SQL("insert into {} ({}) values ({})").format(
                    target,
                    sql.SQL(", ").join(map(sql.Identifier, names)),
                    sql.SQL(", ").join(sql.Placeholder() * len(names)),
                )
                updated = [n for n in names if n not in (KEY, "_dlt_id")]
                update = sql.SQL("update {} set {} where {} = %s").format(
                    target,
                    sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(n)) for n in updated),
                    sql.Identifier(KEY),
                )
                positions = [names.index(n) for n in updated]
                for row in values:
                    cur.execute(select, (row[0],))
                    if cur.fetchone() is None:
                        cur.execute(insert, row)
                    else:
                        cur.execute(update, [row[i] for i in positions] + [row[0]])
        conn.commit()
        seconds = time.perf_counter() - started
    return Timing(taken, seconds, note)


def bulk_merge(url: str, target_schema: str) -> tuple[Timing, list[str]]:
    """One plain-SQL MERGE per entity, in foreign-key order, of every mart row into pyERP's own tables: emptied
    first inside the same transaction and rolled back afterwards, so the MERGEs pay what publish pays — the same
    indexes, unique constraints and id sequence, and the deferred foreign-key checks a commit runs (timed here by
    ``SET CONSTRAINTS ALL IMMEDIATE``). Foreign keys are resolved by joins, as publish resolves them. Returns the
    timing and the entities whose MERGE failed, one line each."""
    rows = 0
    seconds = 0.0
    failures: list[str] = []
    conn = database.connect(url)
    with contextlib.closing(conn), conn.cursor() as cur:
        for entity in reversed(ENTITIES):
            cur.execute(sql.SQL("delete from {}").format(sql.Identifier(target_schema, entity.table)))
        cur.execute("set constraints all immediate")  # the deletions' own checks are not part of the baseline
        cur.execute("set constraints all deferred")
        for entity in ENTITIES:
            cur.execute("savepoint one_entity")
            try:
                shape = target_shape(cur, target_schema, entity)
                target = sql.Identifier(target_schema, entity.table)
                statement = _merge_statement(target_schema, entity, shape, target)
                started = time.perf_counter()
                cur.execute(statement)
                seconds += time.perf_counter() - started
                rows += cur.rowcount
                cur.execute("release savepoint one_entity")
            except Exception as exc:  # a baseline that fails for one entity must not end the benchmark
                cur.execute("rollback to savepoint one_entity")
                failures.append(f"{entity.table}: {first_line(exc)}")
        started = time.perf_counter()
        cur.execute("set constraints all immediate")
        seconds += time.perf_counter() - started
        conn.rollback()
    return Timing(rows, seconds), failures


def _merge_statement(target_schema: str, entity, shape, into: sql.Identifier) -> sql.Composable:
    joins: list[sql.Composable] = []
    selected = [sql.SQL("mart.{}").format(sql.Identifier(c)) for c in shape.written]
    for index, fk in enumerate(entity.foreign_keys):
        alias = sql.Identifier(f"fk{index}")
        condition = sql.SQL(" and ").join(
            sql.SQL("{}.{} = mart.{}").format(alias, sql.Identifier(ref), sql.Identifier(nat))
            for nat, ref in zip(fk.natural_key_columns, fk.references_columns, strict=True)
        )
        joins.append(
            sql.SQL("left join {} as {} on {}").format(sql.Identifier(target_schema, fk.references), alias, condition)
        )
        selected.append(sql.SQL("{}.id as {}").format(alias, sql.Identifier(fk.target_column)))
    columns = shape.written + shape.foreign_keys
    stamps = shape.insert_stamps
    return sql.SQL(
        "merge into {into} as t using (select {selected} from {mart} as mart {joins}) as s on {on} "
        "when matched then update set {sets} "
        "when not matched then insert ({cols}) values ({vals})"
    ).format(
        into=into,
        selected=sql.SQL(", ").join(selected),
        mart=sql.Identifier(MARTS_SCHEMA, entity.table),
        joins=sql.SQL(" ").join(joins),
        on=sql.SQL(" and ").join(sql.SQL("t.{c} = s.{c}").format(c=sql.Identifier(c)) for c in entity.match),
        sets=sql.SQL(", ").join(
            [sql.SQL("{c} = s.{c}").format(c=sql.Identifier(c)) for c in columns]
            + [sql.SQL("{} = now()").format(sql.Identifier(c)) for c in shape.update_stamps]
        ),
        cols=sql.SQL(", ").join(sql.Identifier(c) for c in columns + stamps),
        vals=sql.SQL(", ").join(
            [sql.SQL("s.{}").format(sql.Identifier(c)) for c in columns] + [sql.SQL("now()") for _ in stamps]
        ),
    )
