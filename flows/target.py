"""pyERP's tables: create them where they are missing, and check their shape before publish writes into them.

pyERP's tables belong to Django. The sync ships their DDL (``pyerp_tables.sql``) so that the demo and the tests
have a pyERP to publish into. Against a real pyERP it creates nothing that exists, alters and drops nothing, and
refuses to write when a table lacks a column the sync writes or has it with another type. The expected shape is not
written down a second time: the check builds the shipped DDL in the session's temporary schema, inside a savepoint
that is always rolled back, and compares the two catalogs in one query.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from psycopg2 import extensions, sql

DDL_PATH = Path(__file__).with_name("pyerp_tables.sql")

# Foreign-key order, parents first: publish writes (and ensure creates) in this order.
TARGET_TABLES: tuple[str, ...] = (
    "products_productcategory",
    "products_parentproduct",
    "products_variantproduct",
    "sales_customer",
    "sales_address",
    "sales_paymentterms",
    "sales_paymentmethod",
    "sales_shippingmethod",
    "sales_salesrecord",
    "sales_salesrecorditem",
    "business_employee",
    "inventory_storagelocation",
    "inventory_boxtype",
    "inventory_box",
    "inventory_boxslot",
    "inventory_productstorage",
    "inventory_boxstorage",
    "production_productionorder",
    "production_productionorderitem",
    "production_mold",
    "production_moldproduct",
)

MAX_LISTED_MISMATCHES = 20  # the error message stays one readable line; the exception carries them all

_STATEMENT_TABLE = re.compile(r"^create (?:table|(?:unique )?index (?:\w+ )?on) (\w+)\b")
_SHORT_TYPES = {"character varying": "varchar", "timestamp with time zone": "timestamptz"}


class TargetShapeError(Exception):
    """pyERP's tables cannot take what the sync writes. One-line message; ``mismatches`` holds every finding."""

    def __init__(self, message: str, mismatches: tuple[ShapeMismatch, ...] = ()) -> None:
        super().__init__(message)
        self.mismatches = mismatches


@dataclass(frozen=True)
class ShapeMismatch:
    """One way a live pyERP table differs from the shipped DDL.

    ``column`` is None when the whole table is missing; ``found`` is None for a missing column; ``expected`` is None
    for an extra NOT NULL column without a default, which the sync cannot fill.
    """

    table: str
    column: str | None
    found: str | None
    expected: str | None

    def __str__(self) -> str:
        if self.column is None:
            return f"{self.table} missing"
        where = f"{self.table}.{self.column}"
        if self.found is None:
            return f"{where} missing (expected {self.expected})"
        if self.expected is None:
            return f"{where} {self.found} without a default (the sync does not write it)"
        return f"{where} {self.found} (expected {self.expected})"


# --- the shipped DDL --------------------------------------------------------------------------------------------


@functools.cache
def _statements_by_table() -> dict[str, tuple[str, ...]]:
    """The DDL file's statements, grouped by the table each one creates or indexes, in file order."""
    text = "\n".join(line for line in DDL_PATH.read_text().splitlines() if not line.lstrip().startswith("--"))
    grouped: dict[str, list[str]] = {}
    for statement in (part.strip() for part in re.split(r";\s*$", text, flags=re.MULTILINE)):
        if not statement:
            continue
        match = _STATEMENT_TABLE.match(statement)
        if match is None:
            raise RuntimeError(f"{DDL_PATH.name}: a statement names no table: {statement.splitlines()[0]!r}")
        grouped.setdefault(match.group(1), []).append(statement + ";")
    if tuple(grouped) != TARGET_TABLES:
        raise RuntimeError(f"{DDL_PATH.name} declares {tuple(grouped)}, not TARGET_TABLES in their order")
    return {table: tuple(statements) for table, statements in grouped.items()}


def _ddl(tables: list[str] | tuple[str, ...]) -> str:
    ddl = _statements_by_table()
    return "\n".join(statement for table in tables for statement in ddl[table])


def _schema(schema: str) -> sql.Identifier:
    # The name comes from configuration: it only ever reaches SQL quoted, or as a bound parameter.
    if not schema or schema.startswith("pg_") or schema == "information_schema":
        raise ValueError(f"{schema!r} cannot be pyERP's schema")
    return sql.Identifier(schema)


# --- transactions -----------------------------------------------------------------------------------------------


@contextmanager
def _committed(conn: extensions.connection) -> Iterator[extensions.cursor]:
    """A cursor in a transaction of its own, committed at the end (rolled back on error)."""
    if conn.get_transaction_status() != extensions.TRANSACTION_STATUS_IDLE:
        raise RuntimeError("creating pyERP's tables needs a connection that is not inside a transaction")
    autocommit = conn.autocommit
    conn.autocommit = False
    try:
        with conn, conn.cursor() as cur:
            yield cur
    finally:
        conn.autocommit = autocommit


@contextmanager
def _rolled_back(conn: extensions.connection) -> Iterator[extensions.cursor]:
    """A cursor in a savepoint that is always rolled back: the connection is left as it was, inside a caller's
    transaction or not."""
    status = conn.get_transaction_status()
    if status not in (extensions.TRANSACTION_STATUS_IDLE, extensions.TRANSACTION_STATUS_INTRANS):
        raise RuntimeError("checking pyERP's tables needs a connection that is not in a failed transaction")
    opened = status == extensions.TRANSACTION_STATUS_IDLE
    with conn.cursor() as cur:
        if opened and conn.autocommit:
            cur.execute("begin")
        cur.execute("savepoint pyerp_sync_shape_check")
        try:
            yield cur
        finally:
            if not conn.closed:
                cur.execute("rollback to savepoint pyerp_sync_shape_check")
                cur.execute("release savepoint pyerp_sync_shape_check")
                if opened and conn.autocommit:
                    cur.execute("rollback")
                elif opened:
                    conn.rollback()


# --- creating ---------------------------------------------------------------------------------------------------


def ensure_target_tables(conn: extensions.connection, schema: str) -> list[str]:
    """Create the schema and whichever target tables it lacks, in one committed transaction; return their names.

    Tables that exist are never touched, whatever their shape (``require_target_shape`` judges them). A missing
    table may reference an existing one. The connection must not be inside a transaction.
    """
    identifier = _schema(schema)
    with _committed(conn) as cur:
        # Two runs starting at once must not both create the same table.
        cur.execute("select pg_advisory_xact_lock(hashtext('pyerp_sync.target:' || %s))", (schema,))
        cur.execute(
            """
            select c.relname
            from pg_namespace as n
            left join pg_class as c on c.relnamespace = n.oid and c.relname = any(%(tables)s)
            where n.nspname = %(schema)s
            """,
            {"schema": schema, "tables": list(TARGET_TABLES)},
        )
        rows = cur.fetchall()
        if not rows:  # only when missing: CREATE SCHEMA needs a right a real pyERP's user may not have
            cur.execute(sql.SQL("create schema {}").format(identifier))
        existing = {name for (name,) in rows}
        missing = [table for table in TARGET_TABLES if table not in existing]
        if missing:
            cur.execute(sql.SQL("set local search_path to {}").format(identifier))
            try:
                cur.execute(_ddl(missing))
            except psycopg2.ProgrammingError as exc:
                cause = str(exc).strip().splitlines()[0]
                raise TargetShapeError(
                    f"cannot create the missing pyERP tables {', '.join(missing)} in schema {schema!r}: {cause}"
                ) from exc
    return missing


# --- checking ---------------------------------------------------------------------------------------------------

# Live columns against the shipped DDL built in pg_temp; one row per mismatch, missing tables as a NULL column.
_SHAPE_QUERY = """
with live_tables as (
    select c.oid, c.relname as table_name
    from pg_class as c
    inner join pg_namespace as n on c.relnamespace = n.oid
    where n.nspname = %(schema)s and c.relkind in ('r', 'p') and c.relname = any(%(tables)s)
),

live as (
    select
        t.table_name,
        a.attname as column_name,
        format_type(a.atttypid, a.atttypmod) as data_type,
        a.attnotnull as not_null,
        (a.atthasdef or a.attidentity <> '' or a.attgenerated <> '') as has_default
    from live_tables as t
    inner join pg_attribute as a on a.attrelid = t.oid
    where a.attnum > 0 and not a.attisdropped
),

expected as (
    select
        c.relname as table_name,
        a.attname as column_name,
        a.attnum,
        format_type(a.atttypid, a.atttypmod) as data_type,
        a.attnotnull as not_null
    from pg_class as c
    inner join pg_attribute as a on a.attrelid = c.oid
    where
        c.relnamespace = pg_my_temp_schema() and c.relkind = 'r' and c.relname = any(%(tables)s)
        and a.attnum > 0 and not a.attisdropped
),

compared as (
    select
        table_name,
        column_name,
        expected.attnum,
        expected.data_type as expected_type,
        expected.not_null as expected_not_null,
        live.data_type as found_type,
        live.not_null as found_not_null,
        live.has_default
    from expected
    full outer join live using (table_name, column_name)
    where table_name in (select live_tables.table_name from live_tables)
)

select table_name, column_name, attnum, expected_type, expected_not_null, found_type, found_not_null
from compared
where
    found_type is null
    or (expected_type is null and found_not_null and not has_default)
    or expected_type <> found_type
    or expected_not_null <> found_not_null

union all

select distinct table_name, null::name, 0, null::text, null::boolean, null::text, null::boolean
from expected
where table_name not in (select live_tables.table_name from live_tables)

order by 1, 3, 2
"""


def _describe(data_type: str | None, not_null: bool | None, with_nullability: bool) -> str | None:
    if data_type is None:
        return None
    for long, short in _SHORT_TYPES.items():
        data_type = data_type.replace(long, short)
    return f"{data_type} {'NOT NULL' if not_null else 'NULL'}" if with_nullability else data_type


def check_target_shape(conn: extensions.connection, schema: str) -> list[ShapeMismatch]:
    """Every way the live target tables differ from the shipped DDL, parents first; empty when publish may write.

    Compared per column: name, type (with length and precision) and nullability. Extra columns that are nullable
    or have a default are fine (pyERP may have added fields). Works inside a caller's transaction or outside one and
    leaves the connection as it found it; needs only the TEMP privilege (the expected tables are built in pg_temp,
    so the session must not hold temporary tables named like the targets).
    """
    _schema(schema)
    with _rolled_back(conn) as cur:
        cur.execute("set local search_path to pg_temp")
        cur.execute(_ddl(TARGET_TABLES))
        cur.execute(_SHAPE_QUERY, {"schema": schema, "tables": list(TARGET_TABLES)})
        rows = cur.fetchall()
    mismatches = []
    for table, column, _attnum, expected_type, expected_not_null, found_type, found_not_null in rows:
        # Name nullability only where it matters: a missing or extra column, or where it differs.
        with_nullability = expected_type is None or found_type is None or expected_not_null != found_not_null
        mismatches.append(
            ShapeMismatch(
                table,
                column,
                found=_describe(found_type, found_not_null, with_nullability),
                expected=_describe(expected_type, expected_not_null, with_nullability),
            )
        )
    order = {table: position for position, table in enumerate(TARGET_TABLES)}
    return sorted(mismatches, key=lambda mismatch: order[mismatch.table])  # stable: columns keep their order


def require_target_shape(conn: extensions.connection, schema: str) -> None:
    """Raise ``TargetShapeError`` unless every target table has the shape the sync writes. Call before any write."""
    mismatches = tuple(check_target_shape(conn, schema))
    if not mismatches:
        return
    if len(mismatches) == len(TARGET_TABLES) and all(m.column is None for m in mismatches):
        raise TargetShapeError(f"pyERP schema {schema!r} has none of the tables the sync writes", mismatches)
    listed = "; ".join(str(mismatch) for mismatch in mismatches[:MAX_LISTED_MISMATCHES])
    more = len(mismatches) - MAX_LISTED_MISMATCHES
    count = f"{len(mismatches)} mismatch" + ("es" if len(mismatches) != 1 else "")
    raise TargetShapeError(
        f"pyERP schema {schema!r} does not match what the sync writes: {count}: {listed}"
        + (f"; and {more} more" if more > 0 else ""),
        mismatches,
    )
