"""pyERP's tables: the shipped DDL creates them as pyERP's migrations do, the shape check refuses a pyERP that
would break a write and accepts one that differs compatibly, and tables are created only where the sync owns the
database. (That the DDL equals pyERP's schema column by column is tests/flows/test_pyerp_ddl.py's.)"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg2 import errors, extensions, sql

from flows.database import connect
from flows.entities import ENTITIES, with_dependencies
from flows.settings import Settings
from flows.target import (
    DDL_PATH,
    TABLE_CREATED,
    TABLE_NOT_CREATED,
    TARGET_TABLES,
    ShapeDifference,
    TargetShapeError,
    check_target_shape,
    database_is_owned,
    ensure_target_tables,
    prepare_target,
    require_target_shape,
    sync_owns,
    type_holds,
)

pytestmark = pytest.mark.integration

SCHEMA = "pyerp"

# A dummy per type, for the NOT NULL columns a test does not care about.
_DUMMIES = {
    "character varying": "x",
    "text": "x",
    "integer": 0,
    "bigint": 0,
    "uuid": "00000000-0000-0000-0000-000000000000",
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
    """Insert one row; every other NOT NULL column without a default (identity ids have one) gets a dummy of its
    type. Returns the new id."""
    cur.execute(
        """
        select a.attname, format_type(a.atttypid, null)
        from pg_attribute as a
        where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped and a.attnotnull and not a.atthasdef
            and a.attidentity = ''
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
    # the extra nullable column is fine
    assert [str(d) for d in check_target_shape(pyerp, SCHEMA)] == ["production_mold: extra added_by_pyerp text NULL"]
    assert not any(d.breaking for d in check_target_shape(pyerp, SCHEMA))


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
    assert check_target_shape(conn, SCHEMA)[0].reason == TABLE_NOT_CREATED  # the default schema was left alone
    # A name that would be SQL if pasted is only ever an identifier.
    assert len(ensure_target_tables(conn, 'odd"; drop schema pyerp_custom; --')) == 21
    assert tables_in(conn, "pyerp_custom") == set(TARGET_TABLES)
    with pytest.raises(ValueError):
        ensure_target_tables(conn, "pg_temp")


# --- the shape check: what breaks a write is refused ------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "described"),
    [
        (
            "alter table pyerp.sales_customer alter column name type varchar(100)",
            "sales_customer: name varchar(100), needed varchar(200)",
        ),
        (
            "alter table pyerp.products_parentproduct alter column length_mm type numeric(8, 2)",
            "products_parentproduct: length_mm numeric(8,2), needed numeric(10,2)",
        ),
        (
            "alter table pyerp.products_parentproduct alter column length_mm type numeric(10, 1)",
            "products_parentproduct: length_mm numeric(10,1), needed numeric(10,2)",
        ),
        (
            "alter table pyerp.sales_salesrecord alter column record_date type timestamp with time zone",
            "sales_salesrecord: record_date timestamptz, needed date",
        ),
        (
            "alter table pyerp.sales_salesrecorditem alter column position type smallint",
            "sales_salesrecorditem: position smallint, needed integer",
        ),
        (
            "alter table pyerp.products_variantproduct drop column color",
            "products_variantproduct: color missing, needed varchar(50) NULL",
        ),
        (
            "alter table pyerp.sales_address add column region varchar(10) not null",
            "sales_address: extra region varchar(10) NOT NULL without a default",
        ),
        (
            "alter table pyerp.products_variantproduct alter column color set not null",
            "products_variantproduct: color NOT NULL, needed NULL",
        ),
        (
            "alter table pyerp.products_parentproduct alter column supplier_id set not null",
            "products_parentproduct: supplier_id NOT NULL, needed NULL",
        ),
        (
            "alter table pyerp.production_mold alter column id set generated always",
            "production_mold: id identity ALWAYS, needed identity BY DEFAULT",
        ),
        (
            "alter table pyerp.production_mold alter column id drop identity",
            "production_mold: id none, needed identity BY DEFAULT",
        ),
        (
            "alter table pyerp.sales_customer drop column notes, "
            "add column notes text not null generated always as ('generated') stored",
            "sales_customer: notes generated ('generated'::text), needed a column publish can write",
        ),
        ("drop table pyerp.sales_salesrecorditem", "sales_salesrecorditem: table missing"),
    ],
    ids=[
        "varchar-length",
        "numeric-digits",
        "numeric-places",
        "type-family",
        "narrower-integer",
        "missing-column",
        "extra-not-null",
        "not-null-where-publish-writes-null",
        "not-null-publish-never-fills",
        "identity-always",
        "id-without-sequence",
        "generated",
        "table",
    ],
)
def test_refuses_a_difference_that_breaks_a_write(pyerp: extensions.connection, change: str, described: str) -> None:
    execute(pyerp, change)

    (difference,) = check_target_shape(pyerp, SCHEMA)
    assert difference.breaking
    with pytest.raises(TargetShapeError) as caught:
        require_target_shape(pyerp, SCHEMA)

    message = str(caught.value)
    assert message.startswith("pyERP schema 'pyerp' cannot take what the sync writes, 1 breaking difference ")
    assert message.split("lists all): ", 1)[1].startswith(described)
    assert "\n" not in message
    assert [str(d) for d in caught.value.differences] == [described]


def test_lists_every_breaking_difference_on_one_line_per_table_in_foreign_key_order(
    pyerp: extensions.connection,
) -> None:
    execute(
        pyerp,
        """
        alter table pyerp.production_mold alter column notes drop not null;
        alter table pyerp.sales_customer alter column name type varchar(100);
        alter table pyerp.sales_customer add column region varchar(10) not null;
        alter table pyerp.products_variantproduct drop column color;
        drop table pyerp.inventory_boxstorage;
        """,
    )

    differences = check_target_shape(pyerp, SCHEMA)

    assert [(d.table, d.name, d.classification) for d in differences] == [
        ("products_variantproduct", "color", "breaking"),
        ("sales_customer", "name", "breaking"),
        ("sales_customer", "region", "breaking"),
        ("inventory_boxstorage", None, "breaking"),
        ("production_mold", "notes", "compatible"),  # nullable where publish writes a value
    ]
    assert differences[1] == ShapeDifference(
        "sales_customer", "type", "name", "varchar(100)", "varchar(200)", "breaking", "publish writes it"
    )
    with pytest.raises(TargetShapeError) as caught:
        require_target_shape(pyerp, SCHEMA)
    assert str(caught.value) == (
        "pyERP schema 'pyerp' cannot take what the sync writes, 4 breaking differences (`pyerp-sync target check` "
        "lists all): products_variantproduct: color missing, needed varchar(50) NULL; sales_customer: name "
        "varchar(100), needed varchar(200), extra region varchar(10) NOT NULL without a default; "
        f"inventory_boxstorage: table missing ({TABLE_NOT_CREATED})"
    )
    assert caught.value.differences == tuple(differences)


def test_checks_only_the_tables_the_run_writes(pyerp: extensions.connection) -> None:
    execute(pyerp, "alter table pyerp.sales_customer alter column name type varchar(100)")
    products = with_dependencies({"products_variantproduct"})

    assert check_target_shape(pyerp, SCHEMA, products) == []
    assert require_target_shape(pyerp, SCHEMA, products) == []
    with pytest.raises(TargetShapeError, match=r"sales_customer: name varchar\(100\), needed varchar\(200\)"):
        require_target_shape(pyerp, SCHEMA, with_dependencies({"sales_address"}))


def test_an_empty_schema_has_none_of_the_tables(conn: extensions.connection) -> None:
    differences = check_target_shape(conn, SCHEMA)

    assert differences == [
        ShapeDifference(table, "table", None, None, "the table", "breaking", TABLE_NOT_CREATED)
        for table in TARGET_TABLES
    ]
    with pytest.raises(TargetShapeError, match=r"^pyERP schema 'pyerp' has none of the 21 tables the sync writes: "):
        require_target_shape(conn, SCHEMA)
    # where the sync owns the database, the run creates them instead
    owned = check_target_shape(conn, SCHEMA, creates_missing_tables=True)
    assert {(d.classification, d.reason) for d in owned} == {("compatible", TABLE_CREATED)}


# --- the shape check: what breaks no write is accepted ----------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "described"),
    [
        (
            "alter table pyerp.sales_address alter column street drop not null",
            "sales_address: street NULL, needed NOT NULL",
        ),
        (
            "alter table pyerp.sales_customer alter column name type varchar(250)",
            "sales_customer: name varchar(250), needed varchar(200)",
        ),
        (
            "alter table pyerp.sales_customer alter column name type text",
            "sales_customer: name text, needed varchar(200)",
        ),
        (
            "alter table pyerp.products_parentproduct alter column length_mm type numeric(12, 3)",
            "products_parentproduct: length_mm numeric(12,3), needed numeric(10,2)",
        ),
        (
            "alter table pyerp.products_parentproduct alter column weight type bigint",
            "products_parentproduct: weight bigint, needed integer",
        ),
        (  # a column publish never writes may have any type (an older pyERP's supplier ids)
            "alter table pyerp.products_parentproduct alter column supplier_id type bigint using null",
            "products_parentproduct: supplier_id bigint, needed uuid",
        ),
        (  # NOT NULL is fine on a column publish never writes, given a default
            "alter table pyerp.products_parentproduct alter column supplier_id set default gen_random_uuid(), "
            "alter column supplier_id set not null",
            (
                "products_parentproduct: supplier_id gen_random_uuid(), needed none",
                "products_parentproduct: supplier_id NOT NULL, needed NULL",
            ),
        ),
        (
            "alter table pyerp.sales_customer add column loyalty_tier varchar(10)",
            "sales_customer: extra loyalty_tier varchar(10) NULL",
        ),
        (
            "alter table pyerp.sales_customer add column score integer not null default 0",
            "sales_customer: extra score integer NOT NULL",
        ),
        (
            "alter table pyerp.products_variantproduct add column row_no bigint generated by default as identity",
            "products_variantproduct: extra row_no bigint NOT NULL",
        ),
        (
            "create index sales_customer_name_idx on pyerp.sales_customer (name)",
            "sales_customer: extra index sales_customer_name_idx btree (name)",
        ),
        (
            "drop index pyerp.sales_addre_email_d66234_idx",
            "sales_address: index sales_addre_email_d66234_idx missing, needed btree (email)",
        ),
        (
            "alter table pyerp.sales_customer add constraint sales_customer_name_check check (name <> 'x')",
            "sales_customer: extra constraint sales_customer_name_check CHECK (((name)::text <> 'x'::text))",
        ),
    ],
    ids=[
        "nullable",
        "wider-varchar",
        "text",
        "wider-numeric",
        "wider-integer",
        "unwritten-type",
        "not-null-with-a-default-where-publish-never-writes",
        "extra-nullable-column",
        "extra-column-with-default",
        "extra-identity-column",
        "extra-index",
        "missing-index",
        "extra-constraint",
    ],
)
def test_accepts_a_difference_that_breaks_no_write(
    pyerp: extensions.connection, change: str, described: str | tuple[str, ...]
) -> None:
    execute(pyerp, change)

    differences = check_target_shape(pyerp, SCHEMA)

    assert [str(d) for d in differences] == ([described] if isinstance(described, str) else list(described))
    assert {d.classification for d in differences} == {"compatible"}
    assert require_target_shape(pyerp, SCHEMA) == differences


def test_accepts_serial_ids_and_foreign_keys_to_tables_outside_the_sync(pyerp: extensions.connection) -> None:
    """What a pyERP first migrated with Django < 4.1 has (bigserial), and the constraints the shipped DDL leaves
    out because auth_user and business_supplier are not the sync's."""
    execute(
        pyerp,
        """
        alter table pyerp.sales_customer alter column id drop identity;
        create sequence pyerp.sales_customer_id_seq owned by pyerp.sales_customer.id;
        alter table pyerp.sales_customer alter column id set default nextval('pyerp.sales_customer_id_seq');
        create table public.auth_user (id integer generated by default as identity primary key);
        alter table pyerp.business_employee add constraint business_employee_user_id_23912010_fk_auth_user_id
            foreign key (user_id) references public.auth_user (id) deferrable initially deferred;
        """,
    )

    differences = require_target_shape(pyerp, SCHEMA)

    assert [str(d) for d in differences] == [
        "sales_customer: id serial (nextval), needed identity BY DEFAULT",
        "business_employee: extra constraint business_employee_user_id_23912010_fk_auth_user_id "
        "FOREIGN KEY (user_id) REFERENCES auth_user(id) DEFERRABLE INITIALLY DEFERRED",
    ]


@pytest.mark.parametrize(
    ("found", "needed", "holds"),
    [
        ("varchar(50)", "varchar(50)", True),
        ("varchar(51)", "varchar(50)", True),
        ("varchar(49)", "varchar(50)", False),
        ("text", "varchar(50)", True),
        ("varchar", "text", True),
        ("varchar(50)", "text", False),
        ("numeric", "numeric(10,2)", True),
        ("numeric(11,3)", "numeric(10,2)", True),
        ("numeric(11,2)", "numeric(10,3)", False),
        ("numeric(10,2)", "numeric", False),
        ("bigint", "integer", True),
        ("integer", "bigint", False),
        ("double precision", "real", True),
        ("real", "double precision", False),
        ("timestamp without time zone", "timestamptz", False),
        ("numeric(20,0)", "bigint", False),
    ],
)
def test_a_type_holds_another_only_when_every_value_fits(found: str, needed: str, holds: bool) -> None:
    assert type_holds(found, needed) is holds


# --- who creates tables -----------------------------------------------------------------------------------------


def test_the_databases_the_sync_creates_for_itself_are_its_own(create_database, database_url: str) -> None:
    with contextlib.closing(connect(database_url)) as owned:
        assert database_is_owned(owned)
    with contextlib.closing(connect(create_database(owned_by_sync=False))) as foreign:
        assert not database_is_owned(foreign)
        embedded = Settings(
            database_url=None, target_schema=SCHEMA, home=Path("unused"), legacy_url=None, legacy_username=None
        )
        assert sync_owns(foreign, embedded)  # no PYERP_SYNC_DATABASE_URL: the embedded server is the sync's
        configured = embedded.replace(database_url="postgresql://db.example/pyerp")
        assert not sync_owns(foreign, configured)


def test_preparing_a_run_creates_missing_tables_only_where_the_sync_owns_the_database(
    create_database, database_url: str
) -> None:
    products = with_dependencies({"products_variantproduct"})
    with contextlib.closing(connect(create_database(owned_by_sync=False))) as foreign:
        with pytest.raises(TargetShapeError, match=r"^pyERP schema 'pyerp' has none of the 3 tables"):
            prepare_target(foreign, SCHEMA, products, owned=False)
        assert tables_in(foreign, SCHEMA) == set()

    with contextlib.closing(connect(database_url)) as owned:
        report = prepare_target(owned, SCHEMA, products, owned=True)
        # all of pyERP's tables, as a migrated pyERP has them, though the run writes 3
        assert report.created == TARGET_TABLES
        assert tables_in(owned, SCHEMA) == set(TARGET_TABLES)
        assert report.compatible == () and report.summary() == (
            "pyERP schema 'pyerp': created 21 missing table(s) in schema 'pyerp'"
        )
        again = prepare_target(owned, SCHEMA, ENTITIES, owned=True)
        assert again.created == () and again.compatible == ()  # (its seconds: a measurement, in the note)


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

        insert(cur, "products_parentproduct", sku="P1", supplier_id="4242" * 8, category_id=424242)
        insert(cur, "business_employee", employee_number="E1", user_id=424242)
        insert(cur, "production_productionorder", order_number="W1", created_by_id=424242)
        insert(cur, "products_parentproduct", sku="P2", supplier_id=None)
    pyerp.commit()
