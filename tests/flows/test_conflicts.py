"""Resolving conflicts by command, and pins, against real pyERP tables."""

from __future__ import annotations

import pytest

from flows.conflicts import (
    ConflictError,
    add_override,
    list_conflicts,
    list_overrides,
    remove_override,
    resolve_conflict,
)
from flows.publish import publish
from tests.flows.product_marts import PRODUCTS, RUN, SCHEMA, edit_in_pyerp_and_in_4d, query, with_policy

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("take", "name"), [("source", "changed in 4D"), ("target", "edited in pyERP")])
def test_manual_conflict_resolved_by_command_stays_resolved(products_conn, take: str, name: str) -> None:
    edit_in_pyerp_and_in_4d(products_conn)
    publish(products_conn, SCHEMA, with_policy("manual"), RUN)
    (open_conflict,) = list_conflicts(products_conn)
    assert open_conflict.differing_columns == ["name"]
    resolved = resolve_conflict(products_conn, SCHEMA, open_conflict.conflict_id, take, resolved_by="test")
    assert (resolved.status, resolved.resolution) == ("resolved", take)
    assert query(products_conn, "select name from pyerp.products_parentproduct where legacy_id = 'P2'") == [(name,)]
    figures = publish(products_conn, SCHEMA, with_policy("manual"), RUN)  # the decision is the new baseline
    assert (figures["products_parentproduct"].conflicts, figures["products_parentproduct"].updated) == (0, 0)
    assert list_conflicts(products_conn) == []
    with pytest.raises(ConflictError, match="already resolved"):
        resolve_conflict(products_conn, SCHEMA, open_conflict.conflict_id, "source", resolved_by="test")


def test_unknown_conflict_and_bad_override_are_refused(products_conn) -> None:
    publish(products_conn, SCHEMA, PRODUCTS, RUN)
    with pytest.raises(ConflictError, match="no conflict with id 999"):
        resolve_conflict(products_conn, SCHEMA, 999, "source", resolved_by="test")
    with pytest.raises(ConflictError, match="has no row with id 999"):
        add_override(products_conn, SCHEMA, "products_parentproduct", 999, None, "")
    (target_id,) = query(products_conn, "select min(id) from pyerp.products_parentproduct")[0]
    with pytest.raises(ConflictError, match="not a column publish writes"):
        add_override(products_conn, SCHEMA, "products_parentproduct", target_id, "id", "")
    with pytest.raises(LookupError, match="unknown pyERP table"):
        add_override(products_conn, SCHEMA, "products_nonsense", target_id, None, "")


def test_override_can_be_listed_and_removed(products_conn) -> None:
    publish(products_conn, SCHEMA, PRODUCTS, RUN)
    (target_id,) = query(products_conn, "select id from pyerp.products_parentproduct where legacy_id = 'P1'")[0]
    pin = add_override(products_conn, SCHEMA, "products_parentproduct", target_id, "name", "marketing copy")
    assert [(o.entity, o.column_name, o.reason) for o in list_overrides(products_conn)] == [
        ("products_parentproduct", "name", "marketing copy")
    ]
    remove_override(products_conn, pin.override_id)
    assert list_overrides(products_conn) == []
