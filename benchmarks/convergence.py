"""Is pyERP's content in one database the same as in another? Computed in SQL, one table at a time, streaming.

The same rules as the fault tests' harness (``tests/faults/convergence.py``), which imports ``VOLATILE_COLUMNS``
from here: pyERP's surrogate ids and the timestamps publish stamps are not content (a rerun's ids may differ from
an uninterrupted run's while the data is the same); every foreign-key id is replaced by the natural identity of
the row it points at (its entity's match columns, resolved the same way, recursively). Each row's content becomes
the md5 of its JSON; a table's digest is the row count and two sums over those md5s: independent of row order, and
a doubled row changes it.

One more rule for a database synced incrementally, compared with a full sync of the final 4D data: pyERP never
deletes. A row deleted in 4D stays in pyERP, deactivated (entities with a deactivate column) or reported, while a
full sync of the final data never sees it. Rows whose mart row is marked ``is_deleted`` (matched to the pyERP row
as publish matches them) are therefore counted apart, not compared; where the entity deactivates, such a row must
be inactive, or the table counts as different.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

import yaml
from psycopg2 import extensions, sql

from flows import database
from flows.entities import ENTITIES, Entity
from flows.entities import entity as entity_named
from flows.publish import AUTO_NOW, AUTO_NOW_ADD
from flows.settings import DBT_PROJECT_DIR, MARTS_SCHEMA

# 4D's change times copied into pyERP (dbt var pyerp_stamp_columns): not content. A row whose only change in 4D is
# its time is not rewritten, so pyERP keeps the time of its last content change, where a full sync of the final
# data has the newest one.
SOURCE_STAMPS = frozenset(
    yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["pyerp_stamp_columns"]
)
# ids, the times publish stamps as Django's auto_now / auto_now_add would, and 4D's change times
VOLATILE_COLUMNS = frozenset({"id", *AUTO_NOW_ADD, *AUTO_NOW, *SOURCE_STAMPS})
SAMPLES = 2


@dataclass(frozen=True)
class TableDigest:
    rows: int  # compared rows: every row but those deleted in 4D
    deleted_in_4d: int  # rows whose source was deleted in 4D, kept by pyERP (deactivated or reported)
    deleted_but_active: int  # of those, still active although the entity deactivates deleted rows (must be 0)
    digest: str  # row count and two sums of the rows' md5s


@dataclass(frozen=True)
class TableComparison:
    table: str
    actual: TableDigest
    reference: TableDigest
    detail: str = ""  # for a table that differs: what is missing and extra, with examples

    @property
    def equal(self) -> bool:
        return self.actual.digest == self.reference.digest and not (
            self.actual.deleted_but_active or self.reference.deleted_but_active
        )


class _Query:
    """The SQL of one table's content: its non-volatile columns, foreign keys as natural identities."""

    def __init__(self, schema: str, entity: Entity, columns: list[str], mart_columns: set[str]) -> None:
        self.schema, self.entity = schema, entity
        self._aliases = (f"j{n}" for n in itertools.count())
        self._joins: list[sql.Composable] = []
        content = [
            sql.SQL("{} as {}").format(self._column(entity, sql.Identifier("t"), c), sql.Identifier(c))
            for c in sorted(columns)
            if c not in VOLATILE_COLUMNS
        ]
        deleted = self._deleted_condition(mart_columns)
        deactivated = entity.deactivate_column if entity.deactivate_column in columns else None
        self.rows = sql.SQL(
            "select md5(row_to_json(r)::text) as h, row_to_json(r)::text as content, r._deleted, r._active "
            "from (select {content}, {deleted} as _deleted, {active} as _active from {table} as t {joins}) as r"
        ).format(
            content=sql.SQL(", ").join(content),
            deleted=deleted,
            active=sql.SQL("t.{}").format(sql.Identifier(deactivated)) if deactivated else sql.SQL("false"),
            table=sql.Identifier(schema, entity.table),
            joins=sql.SQL(" ").join(self._joins),
        )

    def _column(self, entity: Entity, alias: sql.Identifier, column: str, depth: int = 0) -> sql.Composable:
        """A column's value; a foreign key's is the referenced row's identity (its match columns, resolved)."""
        fk = next((f for f in entity.foreign_keys if f.target_column == column), None)
        value = sql.SQL("{}.{}").format(alias, sql.Identifier(column))
        if fk is None:
            return value
        if depth > 8:
            raise ValueError(f"{entity.table}.{column}: the natural identity refers to itself")
        referenced = entity_named(fk.references)
        joined = self._join(referenced.table, alias, column)
        identity = sql.SQL(", ").join(self._column(referenced, joined, c, depth + 1) for c in referenced.match)
        return sql.SQL("case when {} is null then null else jsonb_build_array({}) end").format(value, identity)

    def _join(self, table: str, alias: sql.Identifier, column: str) -> sql.Identifier:
        joined = sql.Identifier(next(self._aliases))
        self._joins.append(
            sql.SQL("left join {} as {} on {}.id = {}.{}").format(
                sql.Identifier(self.schema, table), joined, joined, alias, sql.Identifier(column)
            )
        )
        return joined

    def _deleted_condition(self, mart_columns: set[str]) -> sql.Composable:
        """Whether the row's mart row is marked deleted in 4D, matched as publish matches (``=`` on the match
        columns; a foreign-key match column by the natural key of the row it points at). A hash join on the
        deleted keys, not a subquery per row."""
        if "is_deleted" not in mart_columns:
            return sql.SQL("false")
        keys: list[str] = []
        conditions: list[sql.Composable] = []
        for column in self.entity.match:
            fk = next((f for f in self.entity.foreign_keys if f.target_column == column), None)
            if fk is None:
                keys.append(column)
                conditions.append(sql.SQL("d.{0} = t.{0}").format(sql.Identifier(column)))
                continue
            joined = self._join(fk.references, sql.Identifier("t"), column)
            keys += fk.natural_key_columns
            conditions += [
                sql.SQL("d.{} = {}.{}").format(sql.Identifier(natural), joined, sql.Identifier(referenced))
                for natural, referenced in zip(fk.natural_key_columns, fk.references_columns, strict=True)
            ]
        self._joins.append(
            sql.SQL("left join (select distinct {keys}, true as hit from {mart} where is_deleted) as d on {on}").format(
                keys=sql.SQL(", ").join(sql.Identifier(k) for k in keys),
                mart=sql.Identifier(MARTS_SCHEMA, self.entity.table),
                on=sql.SQL(" and ").join(conditions),
            )
        )
        return sql.SQL("coalesce(d.hit, false)")

    def digest(self) -> sql.Composable:
        chunk = "('x' || substr(h, {}, 16))::bit(64)::bigint"
        return sql.SQL(
            "select count(*) filter (where not _deleted), count(*) filter (where _deleted), "
            "count(*) filter (where _deleted and _active), "
            "coalesce(sum({first}) filter (where not _deleted), 0), "
            "coalesce(sum({second}) filter (where not _deleted), 0) "
            "from ({rows}) as c"
        ).format(first=sql.SQL(chunk.format(1)), second=sql.SQL(chunk.format(17)), rows=self.rows)

    def ordered(self) -> sql.Composable:
        return sql.SQL("select h, content from ({}) as c where not _deleted order by h").format(self.rows)


def _columns(cur, schema: str) -> dict[str, list[str]]:
    cur.execute(
        "select table_name, column_name from information_schema.columns where table_schema = %s "
        "order by table_name, ordinal_position",
        (schema,),
    )
    columns: dict[str, list[str]] = {}
    for table, column in cur.fetchall():
        columns.setdefault(table, []).append(column)
    return columns


def _queries(conn, schema: str) -> dict[str, _Query]:
    with conn.cursor() as cur:
        target, marts = _columns(cur, schema), _columns(cur, MARTS_SCHEMA)
    missing = [e.table for e in ENTITIES if e.table not in target]
    if missing:
        raise database.DatabaseError(f"pyERP tables missing in schema {schema!r}: {', '.join(missing)}")
    return {e.table: _Query(schema, e, target[e.table], set(marts.get(e.table, ()))) for e in ENTITIES}


@contextlib.contextmanager
def _connection(url: str) -> Iterator[extensions.connection]:
    conn = database.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("set timezone to 'UTC'")  # timestamps are rendered alike in both databases
        yield conn
    finally:
        conn.close()


def table_digests(url: str, schema: str = "pyerp") -> dict[str, TableDigest]:
    """Every pyERP table's digest, computed in the database (nothing but the figures comes back)."""
    digests: dict[str, TableDigest] = {}
    with _connection(url) as conn:
        for table, query in _queries(conn, schema).items():
            with conn.cursor() as cur:
                cur.execute(query.digest())
                rows, deleted, active, first, second = cast(tuple, cur.fetchone())  # an aggregate: always one row
            digests[table] = TableDigest(rows, deleted, active, f"{rows}:{first}:{second}")
        conn.rollback()
    return digests


def compare(actual_url: str, reference_url: str, schema: str = "pyerp") -> list[TableComparison]:
    """Every pyERP table of ``actual_url`` against ``reference_url``; a differing table says what differs."""
    actual, reference = table_digests(actual_url, schema), table_digests(reference_url, schema)
    results = []
    for entity in ENTITIES:
        result = TableComparison(entity.table, actual[entity.table], reference[entity.table])
        if result.actual.digest != result.reference.digest:
            result = TableComparison(
                entity.table,
                result.actual,
                result.reference,
                _row_differences(actual_url, reference_url, schema, entity.table),
            )
        elif not result.equal:
            result = TableComparison(
                entity.table,
                result.actual,
                result.reference,
                f"{result.actual.deleted_but_active} row(s) deleted in 4D still active",
            )
        results.append(result)
    return results


def _stream(url: str, schema: str, table: str) -> Iterator[tuple[str, str]]:
    """The table's compared rows as (md5, content), in md5 order, fetched in batches by a server-side cursor."""
    with _connection(url) as conn:
        query = _queries(conn, schema)[table]
        with conn.cursor(name=f"converge_{table}") as cur:
            cur.itersize = 5_000
            cur.execute(query.ordered())
            yield from cur


def _row_differences(actual_url: str, reference_url: str, schema: str, table: str) -> str:
    """Missing and extra rows (a doubled row is one extra), by merging both sides' rows in md5 order."""
    missing: list[str] = []
    extra: list[str] = []
    counts = {"missing": 0, "extra": 0}
    actual, reference = _stream(actual_url, schema, table), _stream(reference_url, schema, table)
    have, want = next(actual, None), next(reference, None)
    while have is not None or want is not None:
        if want is None or (have is not None and have[0] < want[0]):
            counts["extra"] += 1
            assert have is not None  # the loop runs while a side has a row: when want has none, have has one
            if len(extra) < SAMPLES:
                extra.append(have[1])
            have = next(actual, None)
        elif have is None or want[0] < have[0]:
            counts["missing"] += 1
            if len(missing) < SAMPLES:
                missing.append(want[1])
            want = next(reference, None)
        else:
            have, want = next(actual, None), next(reference, None)
    return (
        f"missing {counts['missing']} e.g. {'; '.join(missing) or '-'}; extra {counts['extra']} e.g. "
        f"{'; '.join(extra) or '-'}"
    )
