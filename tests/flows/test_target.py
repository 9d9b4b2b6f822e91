"""pyERP's tables: the shipped DDL creates them as Django would, and the shape check refuses a pyERP that differs."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from psycopg2 import errors, extensions, sql

from flows.database import connect
from flows.target import (
    DDL_PATH,
    TARGET_TABLES,
    ShapeMismatch,
    TargetShapeError,
    check_target_shape,
    ensure_target_tables,
    require_target_shape,
)

pytestmark = pytest.mark.integration

SCHEMA = "pyerp"

# A dummy per type, for the NOT NULL columns a test does not care about.
_DUMMIES = {
    "character varying": "x",
    "text": "x",
    "integer": 0,
    "bigint": 0,
    "numeric": 0,
    "double precision": 0,
    "boolean": False,
    "date": "2024-01-01",
    "timestamp with time zone": "2024-01-01T00:00:00+00",
}


@pytest.fixture
def conn(database_url: str) -> Iterator[extensions.connection]:
    connection = connect(database_url)
    yield connection
    connection.close()


@pytest.fixture
def pyerp(conn: extensions.connection) -> extensions.connection:
    """A connection to a database whose schema ``pyerp`` holds freshly created target tables."""
    ensure_target_tables(conn, SCHEMA)
    return conn


def insert(cur: extensions.cursor, table: str, schema: str = SCHEMA, **values: object) -> int:
    """Insert one row; every other NOT NULL column gets a dummy of its type. Returns the new id."""
    cur.execute(
        """
        select a.attname, format_type(a.atttypid, null)
        from pg_attribute as a
        where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped and a.attnotnull and not a.atthasdef
        """,
        (f"{schema}.{table}",),
    )
    row = {name: _DUMMIES[data_type] for name, data_type in cur.fetchall()}
    row.update(values)
    cur.execute(
        sql.SQL("insert into {}.{} ({}) values ({}) returning id").format(
            sql.Identifier(schema),
            sql.Identifier(table),
            sql.SQL(", ").join(map(sql.Identifier, row)),
            sql.SQL(", ").join(sql.Placeholder() * len(row)),
        ),
        list(row.values()),
    )
    return cur.fetchone()[0]


def tables_in(conn: extensions.connection, schema: str) -> set[str]:
    with conn.cursor() as cur:
        cur.execute("select tablename from pg_tables where schemaname = %s", (schema,))
        names = {name for (name,) in cur.fetchall()}
    conn.rollback()
    return names


def execute(conn: extensions.connection, statement: str) -> None:
    with conn.cursor() as cur:
        cur.execute(statement)
    conn.commit()


# --- creating ---------------------------------------------------------------------------------------------------


def test_ddl_file_creates_exactly_the_target_tables_in_their_order() -> None:
    assert tuple(re.findall(r"^create table (\w+)", DDL_PATH.read_text(), flags=re.MULTILINE)) == TARGET_TABLES
    assert len(TARGET_TABLES) == 21


def test_creates_every_table_on_an_empty_database(conn: extensions.connection) -> None:
    assert ensure_target_tables(conn, SCHEMA) == list(TARGET_TABLES)
    assert tables_in(conn, SCHEMA) == set(TARGET_TABLES)
    assert check_target_shape(conn, SCHEMA) == []
    require_target_shape(conn, SCHEMA)


def test_second_run_creates_nothing_and_keeps_rows(pyerp: extensions.connection) -> None:
    with pyerp.cursor() as cur:
        insert(cur, "sales_customer", customer_number="K1", name="Kept")
    pyerp.commit()

    assert ensure_target_tables(pyerp, SCHEMA) == []

    with pyerp.cursor() as cur:
        cur.execute("select customer_number, name from pyerp.sales_customer")
        assert cur.fetchall() == [("K1", "Kept")]


def test_creates_only_the_missing_tables_and_leaves_existing_ones_alone(pyerp: extensions.connection) -> None:
    with pyerp.cursor() as cur:
        mold = insert(cur, "production_mold", legacy_uuid="M1")
        parent = insert(cur, "products_parentproduct", sku="P1")
        cur.execute("drop table pyerp.production_moldproduct, pyerp.sales_salesrecorditem")
        cur.execute("alter table pyerp.production_mold add column added_by_pyerp text")
    pyerp.commit()

    assert ensure_target_tables(pyerp, SCHEMA) == ["sales_salesrecorditem", "production_moldproduct"]

    with pyerp.cursor() as cur:
        cur.execute("select legacy_uuid, added_by_pyerp from pyerp.production_mold")
        assert cur.fetchall() == [("M1", None)]
        # The new table's foreign keys point at the tables that were already there.
        insert(cur, "production_moldproduct", legacy_uuid="MP1", mold_id=mold, parent_product_id=parent)
    pyerp.commit()
    assert check_target_shape(pyerp, SCHEMA) == []  # the extra nullable column is fine


def test_refuses_to_create_a_table_whose_parent_it_cannot_reference(conn: extensions.connection) -> None:
    execute(conn, "create schema pyerp; create table pyerp.products_parentproduct (sku text)")

    with pytest.raises(TargetShapeError) as caught:
        ensure_target_tables(conn, SCHEMA)

    message = str(caught.value)
    assert message.startswith("cannot create the missing pyERP tables products_productcategory, ")
    assert "\n" not in message
    assert tables_in(conn, SCHEMA) == {"products_parentproduct"}  # all or nothing, and the odd table untouched


def test_ensure_needs_a_connection_outside_a_transaction(pyerp: extensions.connection) -> None:
    with pyerp.cursor() as cur:
        cur.execute("select 1")
    with pytest.raises(RuntimeError, match="not inside a transaction"):
        ensure_target_tables(pyerp, SCHEMA)


def test_a_configured_schema_name_is_used_and_quoted(conn: extensions.connection) -> None:
    assert len(ensure_target_tables(conn, "pyerp_custom")) == 21

    assert tables_in(conn, "pyerp_custom") == set(TARGET_TABLES)
    assert tables_in(conn, SCHEMA) == set()
    assert check_target_shape(conn, "pyerp_custom") == []
    # A name that would be SQL if pasted is only ever an identifier.
    assert len(ensure_target_tables(conn, 'odd"; drop schema pyerp_custom; --')) == 21
    assert tables_in(conn, "pyerp_custom") == set(TARGET_TABLES)
    with pytest.raises(ValueError):
        ensure_target_tables(conn, "pg_temp")


# --- the shape check --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "described"),
    [
        (
            "alter table pyerp.sales_customer alter column name type varchar(100)",
            "sales_customer.name varchar(100) (expected varchar(200))",
        ),
        (
            "alter table pyerp.products_parentproduct alter column length_mm type numeric(12, 2)",
            "products_parentproduct.length_mm numeric(12,2) (expected numeric(10,2))",
        ),
        (
            "alter table pyerp.sales_salesrecord alter column record_date type timestamp with time zone",
            "sales_salesrecord.record_date timestamptz (expected date)",
        ),
        (
            "alter table pyerp.products_variantproduct drop column color",
            "products_variantproduct.color missing (expected varchar(50) NULL)",
        ),
        (
            "alter table pyerp.sales_address add column region varchar(10) not null",
            "sales_address.region varchar(10) NOT NULL without a default (the sync does not write it)",
        ),
        (
            "alter table pyerp.sales_address alter column street drop not null",
            "sales_address.street varchar(200) NULL (expected varchar(200) NOT NULL)",
        ),
        ("drop table pyerp.sales_salesrecorditem", "sales_salesrecorditem missing"),
    ],
    ids=["varchar-length", "numeric-precision", "type", "missing-column", "extra-not-null", "nullability", "table"],
)
def test_refuses_a_table_that_differs(pyerp: extensions.connection, change: str, described: str) -> None:
    execute(pyerp, change)

    assert len(check_target_shape(pyerp, SCHEMA)) == 1
    with pytest.raises(TargetShapeError) as caught:
        require_target_shape(pyerp, SCHEMA)

    message = str(caught.value)
    assert message == f"pyERP schema 'pyerp' does not match what the sync writes: 1 mismatch: {described}"
    assert [str(mismatch) for mismatch in caught.value.mismatches] == [described]


def test_lists_every_mismatch_on_one_line_in_foreign_key_order(pyerp: extensions.connection) -> None:
    execute(
        pyerp,
        """
        alter table pyerp.production_mold alter column notes drop not null;
        alter table pyerp.sales_customer alter column name type varchar(100);
        alter table pyerp.products_variantproduct drop column color;
        drop table pyerp.inventory_boxstorage;
        """,
    )

    mismatches = check_target_shape(pyerp, SCHEMA)

    assert [(m.table, m.column) for m in mismatches] == [
        ("products_variantproduct", "color"),
        ("sales_customer", "name"),
        ("inventory_boxstorage", None),
        ("production_mold", "notes"),
    ]
    assert mismatches[1] == ShapeMismatch("sales_customer", "name", found="varchar(100)", expected="varchar(200)")
    with pytest.raises(TargetShapeError, match=r"^pyERP schema 'pyerp' .*: 4 mismatches: products_variantproduct"):
        require_target_shape(pyerp, SCHEMA)


def test_accepts_columns_pyerp_may_have_added(pyerp: extensions.connection) -> None:
    execute(
        pyerp,
        """
        alter table pyerp.sales_customer add column loyalty_tier varchar(10);
        alter table pyerp.sales_customer add column score integer not null default 0;
        alter table pyerp.products_variantproduct add column row_no bigint generated by default as identity;
        """,
    )

    assert check_target_shape(pyerp, SCHEMA) == []
    require_target_shape(pyerp, SCHEMA)


def test_an_empty_schema_has_none_of_the_tables(conn: extensions.connection) -> None:
    mismatches = check_target_shape(conn, SCHEMA)

    assert mismatches == [ShapeMismatch(table, None, None, None) for table in TARGET_TABLES]
    with pytest.raises(TargetShapeError, match=r"^pyERP schema 'pyerp' has none of the tables the sync writes$"):
        require_target_shape(conn, SCHEMA)


def test_shape_check_leaves_the_connection_as_it_was(pyerp: extensions.connection) -> None:
    with pyerp.cursor() as cur:
        cur.execute("show search_path")
        search_path = cur.fetchone()
        insert(cur, "sales_customer", customer_number="K1")  # the caller's uncommitted work

    assert check_target_shape(pyerp, SCHEMA) == []

    assert pyerp.get_transaction_status() == extensions.TRANSACTION_STATUS_INTRANS
    with pyerp.cursor() as cur:
        cur.execute("select count(*) from pyerp.sales_customer")
        assert cur.fetchone() == (1,)
        cur.execute("select count(*) from pg_class where relnamespace = pg_my_temp_schema()")
        assert cur.fetchone() == (0,)
        cur.execute("show search_path")
        assert cur.fetchone() == search_path
    pyerp.commit()

    pyerp.autocommit = True
    assert check_target_shape(pyerp, SCHEMA) == []
    assert pyerp.get_transaction_status() == extensions.TRANSACTION_STATUS_IDLE


# --- constraints as Django creates them -------------------------------------------------------------------------


def test_foreign_keys_run_parent_first_and_are_deferred(pyerp: extensions.connection) -> None:
    with pyerp.cursor() as cur:
        cur.execute(
            """
            select child.relname, parent.relname, con.condeferrable and con.condeferred
            from pg_constraint as con
            inner join pg_class as child on con.conrelid = child.oid
            inner join pg_class as parent on con.confrelid = parent.oid
            where con.contype = 'f' and con.connamespace = 'pyerp'::regnamespace
            """
        )
        foreign_keys = cur.fetchall()
    assert len(foreign_keys) == 22
    assert all(deferred for _child, _parent, deferred in foreign_keys)
    assert all(TARGET_TABLES.index(parent) <= TARGET_TABLES.index(child) for child, parent, _ in foreign_keys)


def test_a_child_may_be_written_before_its_parent_in_one_transaction(pyerp: extensions.connection) -> None:
    with pyerp.cursor() as cur:
        insert(cur, "sales_address", customer_id=1000)
        insert(cur, "sales_customer", id=1000, customer_number="K1")
    pyerp.commit()

    with pyerp.cursor() as cur:
        insert(cur, "sales_address", customer_id=2000)  # and no such customer
    with pytest.raises(errors.ForeignKeyViolation):
        pyerp.commit()


@pytest.mark.parametrize(
    ("table", "first", "clash", "different"),
    [
        ("products_parentproduct", {"sku": "A"}, {"sku": "A"}, {"sku": "B"}),
        ("products_variantproduct", {"sku": "A"}, {"sku": "A"}, {"sku": "B"}),
        ("products_variantproduct", {"sku": "A", "legacy_id": "L"}, {"sku": "B", "legacy_id": "L"}, {"sku": "C"}),
        ("sales_customer", {"customer_number": "K1"}, {"customer_number": "K1"}, {"customer_number": "K2"}),
        (
            "sales_salesrecord",
            {"record_number": "R1", "record_type": "INVOICE"},
            {"record_number": "R1", "record_type": "INVOICE"},
            {"record_number": "R1", "record_type": "PROPOSAL"},
        ),
        ("business_employee", {"employee_number": "E1"}, {"employee_number": "E1"}, {"employee_number": "E2"}),
        (
            "inventory_storagelocation",
            {"country": "DE", "city_building": "B", "unit": "U", "compartment": "C", "shelf": "S"},
            {"country": "DE", "city_building": "B", "unit": "U", "compartment": "C", "shelf": "S"},
            {"country": "DE", "city_building": "B", "unit": "U", "compartment": "C", "shelf": "T"},
        ),
        ("production_productionorder", {"order_number": "W1"}, {"order_number": "W1"}, {"order_number": "W2"}),
        ("production_mold", {"legacy_uuid": "U1"}, {"legacy_uuid": "U1"}, {"legacy_uuid": "U2"}),
    ],
)
def test_unique_constraints_of_the_models_hold(
    pyerp: extensions.connection, table: str, first: dict, clash: dict, different: dict
) -> None:
    with pyerp.cursor() as cur:
        insert(cur, table, **first)
        cur.execute("savepoint clash")
        with pytest.raises(errors.UniqueViolation):
            insert(cur, table, **clash)
        cur.execute("rollback to savepoint clash")
        insert(cur, table, **different)
    pyerp.commit()


def test_sales_items_are_unique_per_record_and_position(pyerp: extensions.connection) -> None:
    with pyerp.cursor() as cur:
        first = insert(cur, "sales_salesrecord", record_number="R1")
        second = insert(cur, "sales_salesrecord", record_number="R2")
        insert(cur, "sales_salesrecorditem", sales_record_id=first, position=1)
        insert(cur, "sales_salesrecorditem", sales_record_id=first, position=2)
        insert(cur, "sales_salesrecorditem", sales_record_id=second, position=1)
        with pytest.raises(errors.UniqueViolation):
            insert(cur, "sales_salesrecorditem", sales_record_id=first, position=1)


def test_a_customer_has_at_most_one_primary_address(pyerp: extensions.connection) -> None:
    with pyerp.cursor() as cur:
        customer = insert(cur, "sales_customer", customer_number="K1")
        other = insert(cur, "sales_customer", customer_number="K2")
        insert(cur, "sales_address", customer_id=customer, is_primary=True)
        insert(cur, "sales_address", customer_id=customer, is_primary=False)
        insert(cur, "sales_address", customer_id=customer, is_primary=False)
        insert(cur, "sales_address", customer_id=other, is_primary=True)
        with pytest.raises(errors.UniqueViolation, match="unique_primary_address_per_customer"):
            insert(cur, "sales_address", customer_id=customer, is_primary=True)


def test_positive_integer_fields_refuse_negatives(pyerp: extensions.connection) -> None:
    with pyerp.cursor() as cur:
        insert(cur, "business_employee", employee_number="E1", annual_vacation_days=30)
        with pytest.raises(errors.CheckViolation):
            insert(cur, "business_employee", employee_number="E2", annual_vacation_days=-1)


def test_references_outside_the_sync_are_plain_nullable_columns(pyerp: extensions.connection) -> None:
    outside = [
        ("products_parentproduct", "supplier_id"),
        ("products_parentproduct", "category_id"),
        ("products_variantproduct", "category_id"),
        ("business_employee", "user_id"),
        ("inventory_boxstorage", "created_by_id"),
        ("production_productionorder", "created_by_id"),
    ]
    with pyerp.cursor() as cur:
        cur.execute(
            """
            select c.relname, a.attname
            from pg_constraint as con
            inner join pg_class as c on con.conrelid = c.oid
            inner join pg_attribute as a on a.attrelid = c.oid and a.attnum = any(con.conkey)
            where con.contype = 'f' and con.connamespace = 'pyerp'::regnamespace
            """
        )
        constrained = set(cur.fetchall())
        assert ("sales_address", "customer_id") in constrained
        assert not constrained & set(outside)

        insert(cur, "products_parentproduct", sku="P1", supplier_id=424242, category_id=424242)
        insert(cur, "business_employee", employee_number="E1", user_id=424242)
        insert(cur, "production_productionorder", order_number="W1", created_by_id=424242)
        insert(cur, "products_parentproduct", sku="P2", supplier_id=None)
    pyerp.commit()
