"""Hand-made product marts, shaped as dbt builds them, and helpers for the publish and conflict tests."""

from __future__ import annotations

import psycopg2
import pytest

from flows.entities import ENTITIES_BY_TABLE, Entity
from flows.history import ensure_bookkeeping
from flows.publish import publish
from flows.target import ensure_target_tables

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
def products_conn(database_url: str):
    connection = psycopg2.connect(database_url)
    ensure_target_tables(connection, SCHEMA)
    ensure_bookkeeping(connection)
    with connection.cursor() as cur:
        cur.execute(MARTS)
    connection.commit()
    yield connection
    connection.close()


def query(conn, statement: str, params: tuple = ()) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(statement, params)
        rows = cur.fetchall()
    conn.commit()
    return rows


def execute(conn, statement: str, params: tuple = ()) -> None:
    with conn.cursor() as cur:
        cur.execute(statement, params)
    conn.commit()


def snapshot(conn) -> list[list[tuple]]:
    return [
        query(conn, f"select * from {SCHEMA}.{table} order by id")
        for table in ("products_productcategory", "products_parentproduct", "products_variantproduct")
    ]


def with_policy(policy: str) -> tuple[Entity, ...]:
    parent = ENTITIES_BY_TABLE["products_parentproduct"]
    return (PRODUCTS[0], Entity(parent.table, parent.match, parent.foreign_keys, parent.deactivate_column, policy))


def edit_in_pyerp_and_in_4d(conn) -> None:
    publish(conn, SCHEMA, PRODUCTS, RUN)
    execute(
        conn,
        "update pyerp.products_parentproduct set name = 'edited in pyERP', updated_at = now() where legacy_id = 'P2'",
    )
    execute(
        conn,
        "update legacy_marts.products_parentproduct set name = 'changed in 4D', content_hash = 'p2b', "
        "source_modified_at = %s where legacy_id = 'P2'",
        ("2020-01-01",),
    )
