"""pyERP's tables: check, before a run does any work, that they can take what the sync writes; create them only
where the sync owns the database.

pyERP's tables belong to Django. The sync ships their DDL (``pyerp_tables.sql``, equal to pyERP's migrated schema)
so that the demo and the tests have a pyERP to publish into. The expected shape is not written down a second
time: the check builds the shipped DDL in the session's temporary schema, inside a savepoint that is always rolled
back, and compares the two catalogs. Each difference is classified:

* **breaking** — a write would fail or lose data: a table the run writes is missing; a column publish writes is
  missing, cannot be written (generated) or has a type that does not hold every value of the shipped type (a
  shorter varchar, a narrower numeric or integer, another type family); a column NOT NULL without a default that
  publish does not fill, or into which it may write NULL; an ``id`` publish cannot give explicit values.
* **compatible** — everything else: a column nullable where the sync writes a value; extra columns that are
  nullable or have a default; extra, missing or differing indexes and constraints (foreign keys to ``auth_user``
  and ``business_supplier`` included: publish never relies on them); serial instead of identity; any type on a
  column publish never writes; a wider varchar or numeric.

"Columns publish writes" are, per entity (``flows.entities``): the pyERP columns its mart's contract declares
(``dbt_project/models/marts/pyerp/<table>.yml``), its foreign-key columns, the stamps publish fills and ``id``.

Ownership decides whether a missing table is created or refused. The sync owns the embedded database (no
``PYERP_SYNC_DATABASE_URL``) and any database carrying its ownership marker, a comment on the database that only
pyerp-sync's own tooling writes, when it creates a database for itself (the demo's, the bench's and soak's scratch
databases, the test suite's). Anywhere else a missing table is a breaking difference: creating it behind
Django's back would collide with a later ``migrate``. ``pyerp-sync target create`` creates missing tables
explicitly, wherever it is pointed.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal, cast

import psycopg2
import yaml
from psycopg2 import extensions, sql

from flows.entities import ENTITIES, Entity
from flows.errors import ErrorClass, SyncError, first_line
from flows.publish import AUTO_NOW, AUTO_NOW_ADD
from flows.settings import DBT_PROJECT_DIR, Settings

DDL_PATH = Path(__file__).with_name("pyerp_tables.sql")
MART_CONTRACTS_DIR = DBT_PROJECT_DIR / "models" / "marts" / "pyerp"

# Foreign-key order, parents first: publish writes (and ensure creates) in this order.
TARGET_TABLES: tuple[str, ...] = tuple(entity.table for entity in ENTITIES)

MAX_LISTED_DIFFERENCES = 20  # the error message stays one readable line; the exception carries them all

# The comment on a database that says the sync may create pyERP's tables in it (see the module's docstring). No
# quote characters: the tools that create such databases paste it into a SQL literal.
OWNED_DATABASE_MARKER = (
    "pyerp-sync owns this database: created for the sync itself (demo, bench, soak or tests), "
    "so a run creates the missing pyERP tables here"
)

_STATEMENT_TABLE = re.compile(r"^create\s+(?:table|(?:unique\s+)?index\s+(?:\w+\s+)?on)\s+(\w+)\b")
_REFERENCED_TABLE = re.compile(r"\breferences\s+(\w+)")
_SHORT_TYPES = {"character varying": "varchar", "timestamp with time zone": "timestamptz"}
_INTEGER_WIDTH = {"smallint": 2, "integer": 4, "bigint": 8}
_FLOAT_WIDTH = {"real": 4, "double precision": 8}

TABLE_CREATED = "the sync owns this database: a run creates the missing table"
TABLE_NOT_CREATED = (
    "the sync creates no table in a database it does not own: migrate pyERP, or run `pyerp-sync target create`"
)

Classification = Literal["breaking", "compatible"]
Kind = Literal["table", "column", "type", "null", "default", "constraint", "index"]


class TargetShapeError(SyncError):
    """pyERP's tables cannot take what the sync writes. One-line message; ``differences`` holds every finding."""

    error_class = ErrorClass.PUBLISH_FAILED

    def __init__(self, message: str, differences: tuple[ShapeDifference, ...] = ()) -> None:
        super().__init__(message)
        self.differences = differences


@dataclass(frozen=True)
class ShapeDifference:
    """One way a live pyERP table differs from the shipped DDL (or, for an unfilled NOT NULL column, from what
    publish can write), and whether it breaks a write.

    ``name`` is the column, constraint or index (None for a whole table); ``found`` is what the live table has
    (None: missing) and ``needed`` what the sync needs (None: nothing, the live one is extra)."""

    table: str
    kind: Kind
    name: str | None
    found: str | None
    needed: str | None
    classification: Classification
    reason: str

    @property
    def breaking(self) -> bool:
        return self.classification == "breaking"

    @property
    def detail(self) -> str:
        """The difference without its table: "name varchar(100), needed varchar(200)"."""
        subject = self.name if self.kind in ("column", "type", "null", "default") else f"{self.kind} {self.name}"
        if self.kind == "table":
            return "table missing"
        if self.found is None:
            return f"{subject} missing, needed {self.needed}"
        if self.needed is None:
            return f"extra {subject} {self.found}"
        return f"{subject} {self.found}, needed {self.needed}"

    def __str__(self) -> str:
        return f"{self.table}: {self.detail}"

    def to_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class TargetReport:
    """What preparing pyERP's tables for a run did and found: the tables it created and the compatible
    differences it accepted (breaking ones raise instead)."""

    schema: str
    tables: tuple[str, ...]
    created: tuple[str, ...]
    compatible: tuple[ShapeDifference, ...]
    seconds: float

    def summary(self) -> str | None:
        """One line for the run's output, None when there is nothing to say."""
        parts = []
        if self.created:
            parts.append(f"created {len(self.created)} missing table(s) in schema {self.schema!r}")
        if self.compatible:
            kinds: dict[str, int] = {}
            for difference in self.compatible:
                kinds[difference.kind] = kinds.get(difference.kind, 0) + 1
            counted = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
            parts.append(
                f"{len(self.compatible)} compatible difference(s) from the shipped DDL accepted ({counted}; "
                "`pyerp-sync target check` lists them)"
            )
        return f"pyERP schema {self.schema!r}: " + "; ".join(parts) if parts else None


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


def _with_parents(tables: Iterable[str]) -> tuple[str, ...]:
    """The tables plus every table their DDL references, transitively, in TARGET_TABLES order."""
    ddl = _statements_by_table()
    wanted: set[str] = set()
    stack = list(tables)
    while stack:
        table = stack.pop()
        if table not in ddl:
            raise ValueError(f"{table!r} is not one of the pyERP tables the sync writes")
        if table not in wanted:
            wanted.add(table)
            stack.extend(_REFERENCED_TABLE.findall(ddl[table][0]))
    return tuple(table for table in TARGET_TABLES if table in wanted)


def _ddl(tables: Iterable[str]) -> str:
    ddl = _statements_by_table()
    return "\n".join(statement for table in tables for statement in ddl[table])


def _schema(schema: str) -> sql.Identifier:
    # The name comes from configuration: it only ever reaches SQL quoted, or as a bound parameter.
    if not schema or schema.startswith("pg_") or schema == "information_schema":
        raise ValueError(f"{schema!r} cannot be pyERP's schema")
    return sql.Identifier(schema)


# --- what publish writes ----------------------------------------------------------------------------------------


@functools.cache
def mart_contract_columns(table: str) -> dict[str, bool]:
    """The columns the mart's contract declares (``<table>.yml``), each with whether it may hold NULL (no
    ``not_null`` constraint). Read as YAML, without dbt: the check runs before any dbt work."""
    path = MART_CONTRACTS_DIR / f"{table}.yml"
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise TargetShapeError(f"cannot read the contract of mart {table} ({path}): {exc}") from exc
    model = next((m for m in document.get("models", []) if m.get("name") == table), None)
    if model is None:
        raise TargetShapeError(f"{path} declares no model {table}")
    return {
        column["name"]: not any(c.get("type") == "not_null" for c in column.get("constraints") or ())
        for column in model.get("columns") or ()
    }


def written_columns(entity: Entity, ddl_columns: Iterable[str]) -> dict[str, bool]:
    """The pyERP columns publish writes for an entity, each with whether it may write NULL there: the shipped
    table's columns the mart's contract declares, the foreign keys (NULL when an optional one does not resolve),
    the stamps publish fills and ``id``."""
    columns = list(ddl_columns)
    contract = mart_contract_columns(entity.table)
    written = {name: contract[name] for name in columns if name in contract and name != "id"}
    for fk in entity.foreign_keys:
        written[fk.target_column] = not fk.required
    for name in columns:
        if name in AUTO_NOW_ADD + AUTO_NOW:
            written[name] = False
    written["id"] = False
    return written


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


# --- ownership --------------------------------------------------------------------------------------------------


def mark_database_owned(cur: extensions.cursor, database: str) -> None:
    """Record that the sync owns ``database`` (which the caller has just created for the sync's own use)."""
    cur.execute(
        sql.SQL("comment on database {} is {}").format(sql.Identifier(database), sql.Literal(OWNED_DATABASE_MARKER))
    )


def database_is_owned(conn: extensions.connection) -> bool:
    """Whether the connected database carries the sync's ownership marker. Leaves no transaction open."""
    with conn.cursor() as cur:
        cur.execute(
            "select shobj_description(oid, 'pg_database') = %s from pg_database where datname = current_database()",
            (OWNED_DATABASE_MARKER,),
        )
        (owned,) = cast(tuple, cur.fetchone())  # pg_database always lists the current database
    if not conn.autocommit:
        conn.rollback()
    return bool(owned)


def sync_owns(conn: extensions.connection, settings: Settings) -> bool:
    """Whether the sync may create pyERP's missing tables in the connected database: the embedded one (no
    PYERP_SYNC_DATABASE_URL), or one carrying the ownership marker."""
    return settings.database_url is None or database_is_owned(conn)


# --- creating ---------------------------------------------------------------------------------------------------


def ensure_target_tables(conn: extensions.connection, schema: str, tables: Iterable[str] = TARGET_TABLES) -> list[str]:
    """Create the schema and whichever of ``tables`` (with the tables they reference) it lacks, in one committed
    transaction; return their names. Call it only where creating is right: a database the sync owns, or on an
    explicit request (``pyerp-sync target create``).

    Tables that exist are never touched, whatever their shape (the shape check judges them). A missing table may
    reference an existing one. The connection must not be inside a transaction.
    """
    identifier = _schema(schema)
    wanted = _with_parents(tables)
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
            {"schema": schema, "tables": list(wanted)},
        )
        rows = cur.fetchall()
        if not rows:  # only when missing: CREATE SCHEMA needs a right a real pyERP's user may not have
            cur.execute(sql.SQL("create schema {}").format(identifier))
        existing = {name for (name,) in rows}
        missing = [table for table in wanted if table not in existing]
        if missing:
            cur.execute(sql.SQL("set local search_path to {}").format(identifier))
            try:
                cur.execute(_ddl(missing))
            except psycopg2.ProgrammingError as exc:
                raise TargetShapeError(
                    f"cannot create the missing pyERP tables {', '.join(missing)} in schema {schema!r}: "
                    f"{first_line(exc)}"
                ) from exc
    return missing


# --- reading both catalogs --------------------------------------------------------------------------------------

# Rows of both sides at once: ``live`` is the target schema, the other side the shipped DDL built in pg_temp.
_SIDES = """
with sides as (
    select c.oid, c.relname, c.relnamespace <> pg_my_temp_schema() as live
    from pg_class as c
    where
        c.relkind in ('r', 'p') and c.relname = any(%(tables)s)
        and (c.relnamespace = pg_my_temp_schema() or c.relnamespace = (
            select n.oid from pg_namespace as n where n.nspname = %(schema)s
        ))
)
"""

_COLUMNS_QUERY = (
    _SIDES
    + """
select
    s.live, s.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
    a.attgenerated, pg_get_expr(d.adbin, d.adrelid)
from sides as s
inner join pg_attribute as a on a.attrelid = s.oid and a.attnum > 0 and not a.attisdropped
left join pg_attrdef as d on d.adrelid = s.oid and d.adnum = a.attnum
order by s.live, s.relname, a.attnum
"""
)

# Constraints by name; a foreign key's target is named without its schema, so both sides compare. PostgreSQL 18
# also lists each NOT NULL as a constraint (contype 'n', named <table>_<column>_not_null): nullability is compared
# per column already, and PostgreSQL 15 has no such rows, so they are left out.
_CONSTRAINTS_QUERY = (
    _SIDES
    + """
select
    s.live, s.relname, con.conname,
    case
        when con.contype = 'f' then replace(
            pg_get_constraintdef(con.oid), quote_ident(rn.nspname) || '.' || quote_ident(r.relname) || '(',
            quote_ident(r.relname) || '('
        )
        else pg_get_constraintdef(con.oid)
    end
from sides as s
inner join pg_constraint as con on con.conrelid = s.oid and con.contype <> 'n'
left join pg_class as r on r.oid = con.confrelid
left join pg_namespace as rn on rn.oid = r.relnamespace
"""
)

# Indexes that back no constraint (those are compared as constraints), by name.
_INDEXES_QUERY = (
    _SIDES
    + """
select s.live, s.relname, i.relname, x.indisunique, pg_get_indexdef(x.indexrelid)
from sides as s
inner join pg_index as x on x.indrelid = s.oid
inner join pg_class as i on i.oid = x.indexrelid
where not exists (
    select from pg_constraint as con
    where con.conindid = x.indexrelid and con.conrelid = s.oid and con.contype in ('p', 'u', 'x')
)
"""
)


@dataclass(frozen=True)
class _Column:
    name: str
    data_type: str
    not_null: bool
    identity: str  # '' (none), 'a' (always) or 'd' (by default)
    generated: bool
    default: str | None

    @property
    def has_default(self) -> bool:
        return self.default is not None or self.identity != "" or self.generated

    @property
    def described(self) -> str:
        return f"{self.data_type} {'NOT NULL' if self.not_null else 'NULL'}"

    @property
    def default_described(self) -> str:
        if self.identity:
            return "identity " + ("ALWAYS" if self.identity == "a" else "BY DEFAULT")
        if self.generated:
            return f"generated ({self.default})"
        if self.default and self.default.startswith("nextval("):
            return "serial (nextval)"
        return self.default or "none"


def _short(data_type: str) -> str:
    for long, short in _SHORT_TYPES.items():
        data_type = data_type.replace(long, short)
    return data_type


def _index_definition(table: str, unique: bool, indexdef: str) -> str:
    """``btree (code varchar_pattern_ops)``: pg_get_indexdef after ``USING`` (the part that is the same in both
    schemas), with ``unique`` in front for a unique index."""
    _, _, tail = indexdef.partition(f".{table} USING ")
    return ("unique " if unique else "") + (tail or indexdef)


@dataclass
class _Catalog:
    columns: dict[str, list[_Column]]
    constraints: dict[str, dict[str, str]]
    indexes: dict[str, dict[str, str]]


def _read_catalogs(cur: extensions.cursor, schema: str, tables: list[str]) -> tuple[_Catalog, _Catalog]:
    """(live, expected) catalogs of the tables; a live table that does not exist has no key."""
    params = {"schema": schema, "tables": tables}
    sides = {True: _Catalog({}, {}, {}), False: _Catalog({}, {}, {})}
    cur.execute(_COLUMNS_QUERY, params)
    for live, table, name, data_type, not_null, identity, generated, default in cur.fetchall():
        column = _Column(name, _short(data_type), not_null, identity, generated != "", default)
        sides[live].columns.setdefault(table, []).append(column)
    cur.execute(_CONSTRAINTS_QUERY, params)
    for live, table, name, definition in cur.fetchall():
        sides[live].constraints.setdefault(table, {})[name] = definition
    cur.execute(_INDEXES_QUERY, params)
    for live, table, name, unique, indexdef in cur.fetchall():
        sides[live].indexes.setdefault(table, {})[name] = _index_definition(table, unique, indexdef)
    return sides[True], sides[False]


# --- classifying ------------------------------------------------------------------------------------------------


def type_holds(found: str, needed: str) -> bool:
    """Whether every value of type ``needed`` fits a column of type ``found`` unchanged (types as format_type
    spells them, shortened: varchar, timestamptz)."""
    if found == needed:
        return True
    if found in _INTEGER_WIDTH and needed in _INTEGER_WIDTH:
        return _INTEGER_WIDTH[found] >= _INTEGER_WIDTH[needed]
    if found in _FLOAT_WIDTH and needed in _FLOAT_WIDTH:
        return _FLOAT_WIDTH[found] >= _FLOAT_WIDTH[needed]
    if needed == "text" or needed.startswith("varchar"):
        if found in ("text", "varchar"):
            return True
        found_length, needed_length = (
            re.fullmatch(r"varchar\((\d+)\)", found),
            re.fullmatch(r"varchar\((\d+)\)", needed),
        )
        return bool(found_length and needed_length and int(found_length[1]) >= int(needed_length[1]))
    if needed.startswith("numeric"):
        if found == "numeric":
            return True
        found_size, needed_size = (
            re.fullmatch(r"numeric\((\d+),(\d+)\)", found),
            re.fullmatch(r"numeric\((\d+),(\d+)\)", needed),
        )
        if not (found_size and needed_size):
            return False
        (found_digits, found_places), (needed_digits, needed_places) = (
            map(int, found_size.groups()),
            map(int, needed_size.groups()),
        )
        return found_places >= needed_places and found_digits - found_places >= needed_digits - needed_places
    return False


def _compare_columns(
    table: str, live: list[_Column], expected: list[_Column], written: dict[str, bool]
) -> list[ShapeDifference]:
    """The columns of one table: ``written`` maps each column publish writes to whether it may write NULL."""
    differences: list[ShapeDifference] = []

    def add(kind: Kind, name: str, found: str | None, needed: str | None, breaking: bool, reason: str) -> None:
        classification: Classification = "breaking" if breaking else "compatible"
        differences.append(ShapeDifference(table, kind, name, found, needed, classification, reason))

    live_by_name = {column.name: column for column in live}
    for want in expected:
        have = live_by_name.get(want.name)
        writes = want.name in written
        if have is None:
            add("column", want.name, None, want.described, writes, _writes_reason(writes))
            continue
        if have.data_type != want.data_type:
            holds = type_holds(have.data_type, want.data_type)
            if not writes:
                reason = "publish never writes it"
            else:
                reason = "it holds every value publish writes" if holds else "publish writes it"
            add("type", want.name, have.data_type, want.data_type, writes and not holds, reason)
        if want.name == "id":
            differences.extend(_compare_id(table, have, want))
        elif have.generated and writes:
            add("default", want.name, have.default_described, "a column publish can write", True, "publish writes it")
        elif have.default_described != want.default_described:
            add("default", want.name, have.default_described, want.default_described, False, "publish writes values")
        if have.not_null and not want.not_null:
            if writes:
                may_write_null = written[want.name]
                reason = "publish may write NULL there" if may_write_null else "publish never writes NULL there"
                add("null", want.name, "NOT NULL", "NULL", may_write_null, reason)
            else:
                reason = "publish never writes it" + ("" if have.has_default else ", and it has no default")
                add("null", want.name, "NOT NULL", "NULL", not have.has_default, reason)
        elif want.not_null and not have.not_null:
            add(
                "null",
                want.name,
                "NULL",
                "NOT NULL",
                False,
                "publish writes a value" if writes else "publish never writes it",
            )
        elif have.not_null and not have.has_default and not writes:
            # the same as the shipped DDL, and still unfillable: the marts lack a column pyERP requires
            add(
                "null",
                want.name,
                "NOT NULL without a default",
                "a value from the mart",
                True,
                "publish never writes it",
            )
    expected_names = {column.name for column in expected}
    for have in live:
        if have.name in expected_names:
            continue
        filled = have.name in AUTO_NOW_ADD + AUTO_NOW  # publish sets every stamp column the live table has
        # publish writes every live column its mart has, so a column pyERP added under a mart column's name is
        # written, NULL included unless the contract says not_null
        mart_may_write_null = mart_contract_columns(table).get(have.name)
        if mart_may_write_null is not None:
            breaking = have.not_null and mart_may_write_null
            reason = "publish writes the mart's column of that name" + (", NULL included" if breaking else "")
        elif filled:
            breaking, reason = False, "publish sets it as Django would"
        else:
            breaking = have.not_null and not have.has_default
            reason = "publish never writes it" + (", and it has no default" if breaking else "")
        found = have.described + (" without a default" if have.not_null and not have.has_default else "")
        add("column", have.name, found, None, breaking, reason)
    return differences


def _writes_reason(writes: bool) -> str:
    return "publish writes it" if writes else "publish never writes it"


def _compare_id(table: str, have: _Column, want: _Column) -> list[ShapeDifference]:
    """Publish gives new rows ids from the column's own sequence, explicitly: it needs one it may bypass."""
    found = have.default_described
    if found == want.default_described:
        return []
    if have.identity == "a":
        reason, breaking = "publish inserts explicit ids, which GENERATED ALWAYS refuses", True
    elif have.identity == "d" or found == "serial (nextval)":
        reason, breaking = "either gives publish a sequence to take ids from", False
    else:
        reason, breaking = "publish takes new ids from the column's sequence", True
    classification: Classification = "breaking" if breaking else "compatible"
    return [ShapeDifference(table, "default", "id", found, want.default_described, classification, reason)]


def _compare_named(table: str, kind: Kind, live: dict[str, str], expected: dict[str, str]) -> list[ShapeDifference]:
    """Constraints or indexes, by name: every difference is compatible (publish relies on none of them)."""
    reason = f"publish relies on no {kind}"
    return [
        ShapeDifference(table, kind, name, live.get(name), expected.get(name), "compatible", reason)
        for name in sorted(live.keys() | expected.keys())
        if live.get(name) != expected.get(name)
    ]


def check_target_shape(
    conn: extensions.connection,
    schema: str,
    entities: Iterable[Entity] = ENTITIES,
    creates_missing_tables: bool = False,
) -> list[ShapeDifference]:
    """Every way the live tables of these entities differ from the shipped DDL, each classified; parents first.

    ``creates_missing_tables``: the caller creates a missing table (the sync owns the database), so its absence
    is compatible. Works inside a caller's transaction or outside one and leaves the connection as it found it;
    needs only the TEMP privilege (the expected tables are built in pg_temp, so the session must not hold
    temporary tables named like the targets).
    """
    _schema(schema)
    by_table = {entity.table: entity for entity in entities}
    tables = list(_with_parents(by_table))
    with _rolled_back(conn) as cur:
        cur.execute("set local search_path to pg_temp")
        cur.execute(_ddl(tables))
        live, expected = _read_catalogs(cur, schema, tables)
    differences: list[ShapeDifference] = []
    for table in tables:
        if table not in by_table:
            continue  # only referenced by the shipped DDL: this run neither writes nor reads it
        if table not in live.columns:
            classification: Classification = "compatible" if creates_missing_tables else "breaking"
            reason = TABLE_CREATED if creates_missing_tables else TABLE_NOT_CREATED
            differences.append(ShapeDifference(table, "table", None, None, "the table", classification, reason))
            continue
        wanted = expected.columns[table]
        written = written_columns(by_table[table], (column.name for column in wanted))
        differences += _compare_columns(table, live.columns[table], wanted, written)
        named: tuple[tuple[Kind, dict[str, dict[str, str]], dict[str, dict[str, str]]], ...] = (
            ("constraint", live.constraints, expected.constraints),
            ("index", live.indexes, expected.indexes),
        )
        for kind, live_named, expected_named in named:
            differences += _compare_named(table, kind, live_named.get(table, {}), expected_named.get(table, {}))
    return differences


def breaking_message(schema: str, breaking: list[ShapeDifference], table_count: int) -> str:
    """One line naming, per table, each breaking difference's column (or table), what was found and what is
    needed: the first MAX_LISTED_DIFFERENCES of them."""
    missing = sum(difference.kind == "table" for difference in breaking)
    if missing == len(breaking) == table_count:
        return (
            f"pyERP schema {schema!r} has none of the {table_count} tables the sync writes: point "
            "PYERP_SYNC_TARGET_SCHEMA at pyERP's schema, or create them with `pyerp-sync target create`"
        )
    per_table: dict[str, list[str]] = {}
    for difference in breaking[:MAX_LISTED_DIFFERENCES]:
        per_table.setdefault(difference.table, []).append(difference.detail)
    listed = "; ".join(f"{table}: {', '.join(details)}" for table, details in per_table.items())
    more = len(breaking) - MAX_LISTED_DIFFERENCES
    count = f"{len(breaking)} breaking difference" + ("s" if len(breaking) != 1 else "")
    hint = f" ({TABLE_NOT_CREATED})" if missing else ""
    return (
        f"pyERP schema {schema!r} cannot take what the sync writes, {count} (`pyerp-sync target check` lists all): "
        f"{listed}" + (f"; and {more} more" if more > 0 else "") + hint
    )


def require_target_shape(
    conn: extensions.connection,
    schema: str,
    entities: Iterable[Entity] = ENTITIES,
    creates_missing_tables: bool = False,
) -> list[ShapeDifference]:
    """Raise ``TargetShapeError`` when any difference is breaking; else return the compatible ones."""
    entities = tuple(entities)
    differences = check_target_shape(conn, schema, entities, creates_missing_tables)
    breaking = [difference for difference in differences if difference.breaking]
    if breaking:
        raise TargetShapeError(breaking_message(schema, breaking, len(entities)), tuple(differences))
    return differences


def prepare_target(conn: extensions.connection, schema: str, entities: Iterable[Entity], owned: bool) -> TargetReport:
    """What a run does first, before it contacts 4D: where the sync owns the database, create the run's missing
    tables; then refuse a breaking difference. ``conn`` must not be inside a transaction."""
    started = time.perf_counter()
    entities = tuple(entities)
    tables = tuple(entity.table for entity in entities)
    # The sync's own database gets all of pyERP's tables at once (a run limited with --only included), as a
    # migrated pyERP would have them; elsewhere nothing is created.
    created = tuple(ensure_target_tables(conn, schema)) if owned else ()
    compatible = require_target_shape(conn, schema, entities)
    return TargetReport(schema, tables, created, tuple(compatible), time.perf_counter() - started)
