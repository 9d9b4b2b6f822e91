"""The shipped DDL is pyERP's: what ``flows/pyerp_tables.sql`` creates equals ``pyerp-schema.md``, the reference
generated from pyERP's migrated database, column by column, constraint by constraint and index by index.

The catalog is read here with queries of the test's own (not the shape check's), and compared with the reference
as ``tests/pyerp_schema.py`` parses it. The one departure allowed is contracts.md's: foreign keys to tables outside
the sync are columns without a constraint.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import psycopg2
import pytest
from psycopg2 import extensions

from flows.publish import AUTO_NOW, AUTO_NOW_ADD
from flows.settings import PROJECT_ROOT
from flows.target import TARGET_TABLES, ensure_target_tables
from tests.pyerp_schema import REFERENCE_PATH, Table, read_schema

pytestmark = pytest.mark.integration

SCHEMA = "pyerp"
# In CI and on a developer's machine the shared material sits next to the checkout (shared/README.md).
SHARED_REFERENCE = PROJECT_ROOT.parent / "shared" / "reference" / "pyerp-schema.md"
OUTSIDE_THE_SYNC = ("auth_user", "business_supplier")
REFERENCE = read_schema()


def test_the_vendored_reference_is_the_shared_one() -> None:
    if not SHARED_REFERENCE.is_file():
        pytest.skip(f"no shared reference at {SHARED_REFERENCE} to compare the vendored copy with")
    assert REFERENCE_PATH.read_bytes() == SHARED_REFERENCE.read_bytes(), (
        f"copy {SHARED_REFERENCE} to {REFERENCE_PATH}, then make flows/pyerp_tables.sql pass this module"
    )


def test_the_reference_describes_the_target_tables_in_foreign_key_order() -> None:
    assert tuple(REFERENCE) == TARGET_TABLES
    # the reference's own totals (its Overview table): a parse that lost rows would not add up
    assert sum(len(table.columns) for table in REFERENCE.values()) == 355
    assert sum(1 + len(t.unique) + len(t.checks) + len(t.foreign_keys) for t in REFERENCE.values()) == 71
    assert sum(len(table.indexes) for table in REFERENCE.values()) == 70


@pytest.fixture(scope="module")
def catalog(create_database: Callable[[], str]) -> Iterator[extensions.cursor]:
    """A cursor on a fresh database into which the shipped DDL was run."""
    conn = psycopg2.connect(create_database())
    ensure_target_tables(conn, SCHEMA)
    with conn.cursor() as cur:
        yield cur
    conn.close()


def _columns(cur: extensions.cursor, table: str) -> list[tuple[str, str, bool, str | None]]:
    cur.execute(
        """
        select
            a.attname,
            replace(replace(format_type(a.atttypid, a.atttypmod), 'character varying', 'varchar'),
                'timestamp with time zone', 'timestamptz'),
            not a.attnotnull,
            case a.attidentity when 'd' then 'identity BY DEFAULT' when 'a' then 'identity ALWAYS'
                else pg_get_expr(d.adbin, d.adrelid) end
        from pg_attribute as a
        left join pg_attrdef as d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped
        order by a.attnum
        """,
        (f"{SCHEMA}.{table}",),
    )
    return cur.fetchall()


def _constraints(cur: extensions.cursor, table: str, kind: str) -> dict[str, str]:
    cur.execute(
        "select conname, pg_get_constraintdef(oid) from pg_constraint where conrelid = %s::regclass and contype = %s",
        (f"{SCHEMA}.{table}", kind),
    )
    # pg_get_constraintdef quotes a keyword column ("position"); the reference writes names bare
    return {name: definition.replace('"', "") for name, definition in cur.fetchall()}


def _indexes_backing_no_constraint(cur: extensions.cursor, table: str) -> dict[str, str]:
    cur.execute(
        """
        select i.relname, pg_get_indexdef(x.indexrelid)
        from pg_index as x
        inner join pg_class as i on i.oid = x.indexrelid
        where x.indrelid = %s::regclass
            and not exists (select from pg_constraint as con where con.conindid = x.indexrelid)
        """,
        (f"{SCHEMA}.{table}",),
    )
    return dict(cur.fetchall())


@pytest.mark.parametrize("table", TARGET_TABLES)
def test_columns_are_pyerps(catalog: extensions.cursor, table: str) -> None:
    expected = [
        (column.name, column.pg_type, column.nullable, column.db_default) for column in REFERENCE[table].columns
    ]
    assert _columns(catalog, table) == expected


@pytest.mark.parametrize("table", TARGET_TABLES)
def test_the_id_sequence_is_pyerps(catalog: extensions.cursor, table: str) -> None:
    (named,) = re.findall(r"sequence `(\w+)`", REFERENCE[table].column("id").notes)
    catalog.execute("select pg_get_serial_sequence(%s, 'id')", (f"{SCHEMA}.{table}",))
    assert catalog.fetchone() == (f"{SCHEMA}.{named}",)


@pytest.mark.parametrize("table", TARGET_TABLES)
def test_primary_unique_and_check_constraints_are_pyerps(catalog: extensions.cursor, table: str) -> None:
    reference: Table = REFERENCE[table]
    assert _constraints(catalog, table, "p") == {
        reference.primary_key.name: f"PRIMARY KEY {reference.primary_key.definition}"
    }
    unique_constraints = {u.name: u.definition for u in reference.unique if not u.definition.startswith("UNIQUE INDEX")}
    assert _constraints(catalog, table, "u") == unique_constraints
    assert _constraints(catalog, table, "c") == {check.name: check.definition for check in reference.checks}
    assert _constraints(catalog, table, "x") == {}


@pytest.mark.parametrize("table", TARGET_TABLES)
def test_indexes_are_pyerps(catalog: extensions.cursor, table: str) -> None:
    reference: Table = REFERENCE[table]
    expected = {index.name: index.definition for index in reference.indexes}
    # a UniqueConstraint with a condition is an index, listed among the reference's unique ones
    expected |= {
        u.name: re.sub(r"^UNIQUE INDEX \((.*)\) WHERE (.*)$", r"UNIQUE btree (\1) WHERE \2", u.definition)
        for u in reference.unique
        if u.definition.startswith("UNIQUE INDEX")
    }
    found = {
        name: re.sub(r"^CREATE (UNIQUE )?INDEX \w+ ON \w+\.\w+ USING ", lambda m: "UNIQUE " if m[1] else "", definition)
        for name, definition in _indexes_backing_no_constraint(catalog, table).items()
    }
    assert found == expected


@pytest.mark.parametrize("table", TARGET_TABLES)
def test_foreign_keys_are_pyerps_within_the_sync(catalog: extensions.cursor, table: str) -> None:
    reference: Table = REFERENCE[table]
    catalog.execute(
        """
        select
            con.conname,
            array(select attname from pg_attribute where attrelid = con.conrelid and attnum = any(con.conkey)),
            ref.relname,
            array(select attname from pg_attribute where attrelid = con.confrelid and attnum = any(con.confkey)),
            con.condeferrable, con.condeferred, con.confdeltype, con.confupdtype
        from pg_constraint as con
        inner join pg_class as ref on ref.oid = con.confrelid
        where con.conrelid = %s::regclass and con.contype = 'f'
        """,
        (f"{SCHEMA}.{table}",),
    )
    actions = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
    found = {
        name: (
            tuple(columns),
            references,
            tuple(referenced),
            deferrable,
            deferred,
            actions[on_delete],
            actions[on_update],
        )
        for name, columns, references, referenced, deferrable, deferred, on_delete, on_update in catalog.fetchall()
    }
    expected = {
        fk.name: (
            fk.columns,
            fk.references,
            fk.referenced_columns,
            fk.deferrable,
            fk.initially_deferred,
            fk.on_delete,
            fk.on_update,
        )
        for fk in reference.foreign_keys
        if fk.references not in OUTSIDE_THE_SYNC
    }
    assert found == expected


def test_only_the_foreign_keys_to_tables_outside_the_sync_are_left_out() -> None:
    left_out = {
        (table.name, fk.columns, fk.references)
        for table in REFERENCE.values()
        for fk in table.foreign_keys
        if fk.references not in TARGET_TABLES
    }
    assert left_out == {
        ("products_parentproduct", ("supplier_id",), "business_supplier"),
        ("business_employee", ("user_id",), "auth_user"),
        ("production_productionorder", ("created_by_id",), "auth_user"),
        ("inventory_boxstorage", ("created_by_id",), "auth_user"),
    }
    # their columns and indexes are pyERP's all the same (checked column by column and index by index above)
    assert REFERENCE["products_parentproduct"].column("supplier_id").pg_type == "uuid"
    assert REFERENCE["business_employee"].column("user_id").pg_type == "integer"


def test_publish_sets_exactly_the_stamps_pyerp_has() -> None:
    stamps = [(column, kind) for table in REFERENCE.values() for column, kind in table.stamps.items()]
    assert {column for column, kind in stamps if kind == "auto_now_add"} == set(AUTO_NOW_ADD)
    assert {column for column, kind in stamps if kind == "auto_now"} == set(AUTO_NOW)
