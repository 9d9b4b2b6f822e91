"""Publish against real pyERP tables (the shipped DDL) and hand-made marts shaped as dbt builds them."""

from __future__ import annotations

import psycopg2
import pytest

from flows.entities import ENTITIES_BY_TABLE, Entity
from flows.history import ensure_bookkeeping
from flows.publish import PublishError, publish
from flows.target import ensure_target_tables

pytestmark = pytest.mark.integration

SCHEMA = "pyerp"
RUN = "00000000-0000-0000-0000-000000000001"
PRODUCTS = tuple(
    ENTITIES_BY_TABLE[t] for t in ("products_productcategory", "products_parentproduct", "products_variantproduct")
)

MARTS = """
create schema legacy_marts;
create table legacy_marts.products_productcategory (
    code varchar(255), name varchar(255), description text, parent_code varchar(255),
    content_hash text, is_deleted boolean, source_modified_at timestamptz);
create table legacy_marts.products_parentproduct (
    legacy_id varchar(50), sku varchar(50), name varchar(255), name_en varchar(255), short_description text,
    short_description_en text, description text, description_en text, keywords varchar(255), is_active boolean,
    is_discontinued boolean, category_code varchar(255), legacy_base_sku varchar(255), release_date timestamptz,
    is_new boolean, weight integer, is_one_sided boolean, is_hanging boolean, length_mm numeric(10, 2),
    width_mm numeric(10, 2), height_mm numeric(10, 2),
    content_hash text, is_deleted boolean, source_modified_at timestamptz);
create table legacy_marts.products_variantproduct (
    legacy_id varchar(50), sku varchar(50), name varchar(255), name_en varchar(255), short_description text,
    short_description_en text, description text, description_en text, keywords varchar(255), is_active boolean,
    is_discontinued boolean, category_code varchar(255), parent_legacy_id varchar(50), variant_code varchar(10),
    legacy_sku varchar(50), legacy_base_sku varchar(50), "refOld" varchar(50), is_verkaufsartikel boolean,
    release_date timestamptz, auslaufdatum timestamptz, retail_price numeric(10, 2), wholesale_price numeric(10, 2),
    retail_unit integer, wholesale_unit integer, color varchar(50), width_mm numeric(10, 2), is_featured boolean,
    is_new boolean, is_bestseller boolean,
    content_hash text, is_deleted boolean, source_modified_at timestamptz);
insert into legacy_marts.products_productcategory values
    ('AG10', 'Gartendeko', '', null, 'c1', false, '2026-01-01'),
    ('AG11', 'Hängend', '', 'AG10', 'c2', false, '2026-01-01');
insert into legacy_marts.products_parentproduct values
    ('P1', '11400', 'Obstkorb rund', '', '', '', null, null, '', true, false, 'AG11', '11400', null, false, 120,
     false, true, null, null, null, 'p1', false, '2026-01-01'),
    ('P2', '11401', 'Vogelhaus', '', '', '', null, null, '', true, false, 'AG10', '11401', null, false, 300,
     false, false, null, null, null, 'p2', false, '2026-01-01');
insert into legacy_marts.products_variantproduct values
    ('V1', '803721', 'Obstkorb rund blau', '', '', '', null, null, '', true, false, 'AG11', 'P1', 'BL', '11400-BL',
     '11400', '77', true, null, null, 39.50, 20.00, 1, 1, 'blau', null, false, false, false, 'v1', false,
     '2026-01-01'),
    ('V2', '803722', 'Obstkorb rund grün', '', '', '', null, null, '', true, false, null, 'P1', 'GR', '11400-GR',
     '11400', '78', true, null, null, 39.50, 20.00, 1, 1, 'grün', null, false, false, false, 'v2', false,
     '2026-01-01');
"""


@pytest.fixture
def conn(database_url: str):
    connection = psycopg2.connect(database_url)
    ensure_target_tables(connection, SCHEMA)
    ensure_bookkeeping(connection)
    with connection.cursor() as cur:
        cur.execute(MARTS)
    connection.commit()
    yield connection
    connection.close()


def _query(conn, statement: str, params: tuple = ()) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(statement, params)
        rows = cur.fetchall()
    conn.commit()
    return rows


def _execute(conn, statement: str, params: tuple = ()) -> None:
    with conn.cursor() as cur:
        cur.execute(statement, params)
    conn.commit()


def _snapshot(conn) -> list[list[tuple]]:
    return [
        _query(conn, f"select * from {SCHEMA}.{table} order by id")
        for table in ("products_productcategory", "products_parentproduct", "products_variantproduct")
    ]


def _with_policy(policy: str) -> tuple[Entity, ...]:
    parent = ENTITIES_BY_TABLE["products_parentproduct"]
    return (PRODUCTS[0], Entity(parent.table, parent.match, parent.foreign_keys, parent.deactivate_column, policy))


def test_first_publish_creates_rows_and_resolves_natural_keys(conn) -> None:
    figures = publish(conn, SCHEMA, PRODUCTS, RUN)
    assert [figures[t].created for t in figures] == [2, 2, 2]
    rows = _query(
        conn,
        "select v.sku, p.legacy_id, c.code, v.created_at is not null, v.updated_at = v.created_at "
        "from pyerp.products_variantproduct v join pyerp.products_parentproduct p on p.id = v.parent_id "
        "left join pyerp.products_productcategory c on c.id = v.category_id order by v.sku",
    )
    assert rows == [("803721", "P1", "AG11", True, True), ("803722", "P1", None, True, True)]
    # a category's parent is resolved even when both were inserted by the same run
    assert _query(
        conn,
        "select c.code, p.code from pyerp.products_productcategory c "
        "left join pyerp.products_productcategory p on p.id = c.parent_id order by c.code",
    ) == [("AG10", None), ("AG11", "AG10")]


def test_second_publish_changes_nothing(conn) -> None:
    publish(conn, SCHEMA, PRODUCTS, RUN)
    before = _snapshot(conn)
    figures = publish(conn, SCHEMA, PRODUCTS, RUN)
    assert {t: (f.created, f.updated, f.deactivated, f.unchanged) for t, f in figures.items()} == {
        "products_productcategory": (0, 0, 0, 2),
        "products_parentproduct": (0, 0, 0, 2),
        "products_variantproduct": (0, 0, 0, 2),
    }
    assert _snapshot(conn) == before


def test_changed_mart_row_updates_only_that_row(conn) -> None:
    publish(conn, SCHEMA, PRODUCTS, RUN)
    _execute(
        conn,
        "update legacy_marts.products_parentproduct set name = 'Obstkorb eckig', content_hash = 'p1b' "
        "where legacy_id = 'P1'",
    )
    figures = publish(conn, SCHEMA, PRODUCTS, RUN)
    assert (figures["products_parentproduct"].updated, figures["products_parentproduct"].unchanged) == (1, 1)
    assert _query(conn, "select name, updated_at > created_at from pyerp.products_parentproduct order by sku") == [
        ("Obstkorb eckig", True),
        ("Vogelhaus", False),
    ]


def test_row_deleted_in_4d_is_deactivated_not_removed(conn) -> None:
    publish(conn, SCHEMA, PRODUCTS, RUN)
    _execute(
        conn,
        "update legacy_marts.products_variantproduct set is_deleted = true, content_hash = 'v2-deleted' "
        "where legacy_id = 'V2'",
    )
    figures = publish(conn, SCHEMA, PRODUCTS, RUN)
    assert figures["products_variantproduct"].deactivated == 1
    assert _query(conn, "select legacy_id, is_active from pyerp.products_variantproduct order by legacy_id") == [
        ("V1", True),
        ("V2", False),
    ]
    assert publish(conn, SCHEMA, PRODUCTS, RUN)["products_variantproduct"].deactivated == 0


def _edit_in_pyerp_and_in_4d(conn) -> None:
    publish(conn, SCHEMA, PRODUCTS, RUN)
    _execute(
        conn,
        "update pyerp.products_parentproduct set name = 'edited in pyERP', updated_at = now() where legacy_id = 'P2'",
    )
    _execute(
        conn,
        "update legacy_marts.products_parentproduct set name = 'changed in 4D', content_hash = 'p2b', "
        "source_modified_at = %s where legacy_id = 'P2'",
        ("2020-01-01",),
    )


@pytest.mark.parametrize(
    ("policy", "expected_name", "status", "resolution"),
    [
        ("source_wins", "changed in 4D", "resolved", "source"),
        ("target_wins", "edited in pyERP", "resolved", "target"),
        ("newest_wins", "edited in pyERP", "resolved", "target"),  # the pyERP edit is newer than 2020-01-01
        ("manual", "edited in pyERP", "open", None),
    ],
)
def test_conflict_policies(conn, policy: str, expected_name: str, status: str, resolution: str | None) -> None:
    _edit_in_pyerp_and_in_4d(conn)
    figures = publish(conn, SCHEMA, _with_policy(policy), RUN)
    assert figures["products_parentproduct"].conflicts == 1
    assert _query(conn, "select name from pyerp.products_parentproduct where legacy_id = 'P2'") == [(expected_name,)]
    recorded = _query(
        conn, "select status, resolution, source_version->>'name', target_version->>'name' from pyerp_sync.conflicts"
    )
    assert recorded == [(status, resolution, "changed in 4D", "edited in pyERP")]


def test_newest_wins_takes_a_newer_4d_change(conn) -> None:
    _edit_in_pyerp_and_in_4d(conn)
    _execute(
        conn,
        "update legacy_marts.products_parentproduct set source_modified_at = now() + interval '1 day' "
        "where legacy_id = 'P2'",
    )
    publish(conn, SCHEMA, _with_policy("newest_wins"), RUN)
    assert _query(conn, "select name from pyerp.products_parentproduct where legacy_id = 'P2'") == [("changed in 4D",)]


def test_manual_conflict_is_not_recorded_twice(conn) -> None:
    _edit_in_pyerp_and_in_4d(conn)
    publish(conn, SCHEMA, _with_policy("manual"), RUN)
    publish(conn, SCHEMA, _with_policy("manual"), RUN)
    assert _query(conn, "select count(*) from pyerp_sync.conflicts where status = 'open'") == [(1,)]


def test_edit_in_pyerp_without_4d_change_is_kept_silently(conn) -> None:
    publish(conn, SCHEMA, PRODUCTS, RUN)
    _execute(conn, "update pyerp.products_parentproduct set keywords = 'garden' where legacy_id = 'P1'")
    figures = publish(conn, SCHEMA, PRODUCTS, RUN)
    assert (figures["products_parentproduct"].conflicts, figures["products_parentproduct"].updated) == (0, 0)
    assert _query(conn, "select keywords from pyerp.products_parentproduct where legacy_id = 'P1'") == [("garden",)]


def test_overrides_pin_a_row_or_a_column(conn) -> None:
    publish(conn, SCHEMA, PRODUCTS, RUN)
    _execute(
        conn,
        "insert into pyerp_sync.overrides (entity, target_id, column_name) "
        "select 'products_parentproduct', id, 'name' from pyerp.products_parentproduct where legacy_id = 'P1'",
    )
    _execute(
        conn,
        "insert into pyerp_sync.overrides (entity, target_id) "
        "select 'products_parentproduct', id from pyerp.products_parentproduct where legacy_id = 'P2'",
    )
    _execute(
        conn,
        "update legacy_marts.products_parentproduct set name = name || ' neu', weight = weight + 1, "
        "content_hash = content_hash || 'b'",
    )
    figures = publish(conn, SCHEMA, PRODUCTS, RUN)
    assert (figures["products_parentproduct"].updated, figures["products_parentproduct"].pinned) == (1, 1)
    assert _query(conn, "select legacy_id, name, weight from pyerp.products_parentproduct order by legacy_id") == [
        ("P1", "Obstkorb rund", 121),  # the name is pinned, the weight is not
        ("P2", "Vogelhaus", 300),  # the whole row is pinned
    ]


def test_failure_midway_leaves_pyerp_exactly_as_before(conn) -> None:
    publish(conn, SCHEMA, PRODUCTS, RUN)
    before = _snapshot(conn)
    _execute(conn, "update legacy_marts.products_parentproduct set name = 'x', content_hash = 'x'")
    _execute(
        conn,
        "update legacy_marts.products_variantproduct set parent_legacy_id = 'NOPE', content_hash = 'y' "
        "where legacy_id = 'V2'",
    )
    with pytest.raises(PublishError, match="reference a missing products_parentproduct"):
        publish(conn, SCHEMA, PRODUCTS, RUN)
    assert _snapshot(conn) == before


def test_dry_run_reports_and_writes_nothing(conn) -> None:
    figures = publish(conn, SCHEMA, PRODUCTS, RUN, dry_run=True)
    assert figures["products_variantproduct"].created == 2
    sample = figures["products_parentproduct"].samples[0]
    assert sample["action"] == "insert" and sample["changes"]["name"][1] in ("Obstkorb rund", "Vogelhaus")
    assert _snapshot(conn) == [[], [], []]
    assert _query(conn, "select count(*) from pyerp_sync.published_rows") == [(0,)]
