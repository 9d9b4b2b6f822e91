"""Publish against real pyERP tables (the shipped DDL) and hand-made marts shaped as dbt builds them."""

from __future__ import annotations

import pytest

from flows.publish import PublishError, publish
from tests.flows.product_marts import (
    PRODUCTS,
    RUN,
    SCHEMA,
    edit_in_pyerp_and_in_4d,
    execute,
    query,
    snapshot,
    with_policy,
)

pytestmark = pytest.mark.integration


def test_first_publish_creates_rows_and_resolves_natural_keys(products_conn) -> None:
    figures = publish(products_conn, SCHEMA, PRODUCTS, RUN)
    assert [figures[t].created for t in figures] == [2, 2, 2]
    rows = query(
        products_conn,
        "select v.sku, p.legacy_id, c.code, v.created_at is not null, v.updated_at = v.created_at "
        "from pyerp.products_variantproduct v join pyerp.products_parentproduct p on p.id = v.parent_id "
        "left join pyerp.products_productcategory c on c.id = v.category_id order by v.sku",
    )
    assert rows == [("803721", "P1", "AG11", True, True), ("803722", "P1", None, True, True)]
    # a category's parent is resolved even when both were inserted by the same run
    assert query(
        products_conn,
        "select c.code, p.code from pyerp.products_productcategory c "
        "left join pyerp.products_productcategory p on p.id = c.parent_id order by c.code",
    ) == [("AG10", None), ("AG11", "AG10")]


def test_second_publish_changes_nothing(products_conn) -> None:
    publish(products_conn, SCHEMA, PRODUCTS, RUN)
    before = snapshot(products_conn)
    figures = publish(products_conn, SCHEMA, PRODUCTS, RUN)
    assert {t: (f.created, f.updated, f.deactivated, f.unchanged) for t, f in figures.items()} == {
        "products_productcategory": (0, 0, 0, 2),
        "products_parentproduct": (0, 0, 0, 2),
        "products_variantproduct": (0, 0, 0, 2),
    }
    assert snapshot(products_conn) == before


def test_changed_mart_row_updates_only_that_row(products_conn) -> None:
    publish(products_conn, SCHEMA, PRODUCTS, RUN)
    execute(
        products_conn,
        "update legacy_marts.products_parentproduct set name = 'Obstkorb eckig', content_hash = 'p1b' "
        "where legacy_id = 'P1'",
    )
    figures = publish(products_conn, SCHEMA, PRODUCTS, RUN)
    assert (figures["products_parentproduct"].updated, figures["products_parentproduct"].unchanged) == (1, 1)
    assert query(
        products_conn, "select name, updated_at > created_at from pyerp.products_parentproduct order by sku"
    ) == [
        ("Obstkorb eckig", True),
        ("Vogelhaus", False),
    ]


def test_row_deleted_in_4d_is_deactivated_not_removed(products_conn) -> None:
    publish(products_conn, SCHEMA, PRODUCTS, RUN)
    execute(
        products_conn,
        "update legacy_marts.products_variantproduct set is_deleted = true, content_hash = 'v2-deleted' "
        "where legacy_id = 'V2'",
    )
    figures = publish(products_conn, SCHEMA, PRODUCTS, RUN)
    assert figures["products_variantproduct"].deactivated == 1
    assert query(
        products_conn, "select legacy_id, is_active from pyerp.products_variantproduct order by legacy_id"
    ) == [
        ("V1", True),
        ("V2", False),
    ]
    assert publish(products_conn, SCHEMA, PRODUCTS, RUN)["products_variantproduct"].deactivated == 0


@pytest.mark.parametrize(
    ("policy", "expected_name", "status", "resolution"),
    [
        ("source_wins", "changed in 4D", "resolved", "source"),
        ("target_wins", "edited in pyERP", "resolved", "target"),
        ("newest_wins", "edited in pyERP", "resolved", "target"),  # the pyERP edit is newer than 2020-01-01
        ("manual", "edited in pyERP", "open", None),
    ],
)
def test_conflict_policies(products_conn, policy: str, expected_name: str, status: str, resolution: str | None) -> None:
    edit_in_pyerp_and_in_4d(products_conn)
    figures = publish(products_conn, SCHEMA, with_policy(policy), RUN)
    assert figures["products_parentproduct"].conflicts == 1
    assert query(products_conn, "select name from pyerp.products_parentproduct where legacy_id = 'P2'") == [
        (expected_name,)
    ]
    recorded = query(
        products_conn,
        "select status, resolution, source_version->>'name', target_version->>'name' from pyerp_sync.conflicts",
    )
    assert recorded == [(status, resolution, "changed in 4D", "edited in pyERP")]


def test_newest_wins_takes_a_newer_4d_change(products_conn) -> None:
    edit_in_pyerp_and_in_4d(products_conn)
    execute(
        products_conn,
        "update legacy_marts.products_parentproduct set source_modified_at = now() + interval '1 day' "
        "where legacy_id = 'P2'",
    )
    publish(products_conn, SCHEMA, with_policy("newest_wins"), RUN)
    assert query(products_conn, "select name from pyerp.products_parentproduct where legacy_id = 'P2'") == [
        ("changed in 4D",)
    ]


def test_manual_conflict_is_not_recorded_twice(products_conn) -> None:
    edit_in_pyerp_and_in_4d(products_conn)
    publish(products_conn, SCHEMA, with_policy("manual"), RUN)
    publish(products_conn, SCHEMA, with_policy("manual"), RUN)
    assert query(products_conn, "select count(*) from pyerp_sync.conflicts where status = 'open'") == [(1,)]


def test_edit_in_pyerp_without_4d_change_is_kept_silently(products_conn) -> None:
    publish(products_conn, SCHEMA, PRODUCTS, RUN)
    execute(products_conn, "update pyerp.products_parentproduct set keywords = 'garden' where legacy_id = 'P1'")
    figures = publish(products_conn, SCHEMA, PRODUCTS, RUN)
    assert (figures["products_parentproduct"].conflicts, figures["products_parentproduct"].updated) == (0, 0)
    assert query(products_conn, "select keywords from pyerp.products_parentproduct where legacy_id = 'P1'") == [
        ("garden",)
    ]


def test_overrides_pin_a_row_or_a_column(products_conn) -> None:
    publish(products_conn, SCHEMA, PRODUCTS, RUN)
    execute(
        products_conn,
        "insert into pyerp_sync.overrides (entity, target_id, column_name) "
        "select 'products_parentproduct', id, 'name' from pyerp.products_parentproduct where legacy_id = 'P1'",
    )
    execute(
        products_conn,
        "insert into pyerp_sync.overrides (entity, target_id) "
        "select 'products_parentproduct', id from pyerp.products_parentproduct where legacy_id = 'P2'",
    )
    execute(
        products_conn,
        "update legacy_marts.products_parentproduct set name = name || ' neu', weight = weight + 1, "
        "content_hash = content_hash || 'b'",
    )
    figures = publish(products_conn, SCHEMA, PRODUCTS, RUN)
    assert (figures["products_parentproduct"].updated, figures["products_parentproduct"].pinned) == (1, 1)
    assert query(
        products_conn, "select legacy_id, name, weight from pyerp.products_parentproduct order by legacy_id"
    ) == [
        ("P1", "Obstkorb rund", 121),  # the name is pinned, the weight is not
        ("P2", "Vogelhaus", 300),  # the whole row is pinned
    ]


def test_failure_midway_leaves_pyerp_exactly_as_before(products_conn) -> None:
    publish(products_conn, SCHEMA, PRODUCTS, RUN)
    before = snapshot(products_conn)
    execute(products_conn, "update legacy_marts.products_parentproduct set name = 'x', content_hash = 'x'")
    execute(
        products_conn,
        "update legacy_marts.products_variantproduct set parent_legacy_id = 'NOPE', content_hash = 'y' "
        "where legacy_id = 'V2'",
    )
    with pytest.raises(PublishError, match="reference a missing products_parentproduct"):
        publish(products_conn, SCHEMA, PRODUCTS, RUN)
    assert snapshot(products_conn) == before


def test_dry_run_reports_and_writes_nothing(products_conn) -> None:
    figures = publish(products_conn, SCHEMA, PRODUCTS, RUN, dry_run=True)
    assert figures["products_variantproduct"].created == 2
    sample = figures["products_parentproduct"].samples[0]
    assert sample["action"] == "insert" and sample["changes"]["name"][1] in ("Obstkorb rund", "Vogelhaus")
    assert snapshot(products_conn) == [[], [], []]
    assert query(products_conn, "select count(*) from pyerp_sync.published_rows") == [(0,)]


def test_incremental_publish_leaves_out_published_rows_but_counts_them(products_conn) -> None:
    publish(products_conn, SCHEMA, PRODUCTS, RUN)
    execute(
        products_conn,
        "update legacy_marts.products_parentproduct set name = 'neu', content_hash = 'p1c' where legacy_id = 'P1'",
    )
    figures = publish(products_conn, SCHEMA, PRODUCTS, RUN, only_changed=True)
    assert (figures["products_parentproduct"].updated, figures["products_parentproduct"].unchanged) == (1, 1)
    assert (figures["products_variantproduct"].updated, figures["products_variantproduct"].unchanged) == (0, 2)
    assert query(products_conn, "select name from pyerp.products_parentproduct where legacy_id = 'P1'") == [("neu",)]
