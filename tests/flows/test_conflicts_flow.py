"""Conflicts end to end (the issue's must-show, at small scale): a row edited in pyERP and changed in 4D between two
runs waits for a person under the ``manual`` policy, is listed and resolved by command, and stays resolved; and the
run history's figures are the rows that really changed in pyERP."""

from __future__ import annotations

import json

import pytest

from flows.entities import ENTITIES
from flows.publish import AUTO_NOW
from flows.sync import legacy_sync

pytestmark = pytest.mark.integration
POLICIES = {"products_parentproduct": "manual"}
BUSINESS_CHANGES = ("Belege", "Belege_Pos", "Artikel_Variante")
EDITED = "edited in pyERP"


def content(world) -> dict[str, dict[int, tuple]]:
    """Every pyERP row by id, without the change stamps (a row whose only change is a stamp has not changed)."""
    snapshot = {}
    for entity in ENTITIES:
        columns = [
            name
            for (name,) in world.query(
                "select column_name from information_schema.columns where table_schema = 'pyerp' "
                "and table_name = %s and column_name <> all(%s) order by ordinal_position",
                (entity.table, ["id", *AUTO_NOW]),
            )
        ]
        quoted = ", ".join(f'"{c}"' for c in columns)
        rows = world.query(f"select id, {quoted} from pyerp.{entity.table}")
        snapshot[entity.table] = {row[0]: row[1:] for row in rows}
    return snapshot


def history(world) -> list[dict]:
    done = world.cli("history", "--json", "--limit", "100")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def clean_families(world) -> list[str]:
    return sorted(
        key
        for key in (row["__KEY"] for row in world.server.rows("Artikel_Familie"))
        if key not in world.planted_errors("Artikel_Familie")
    )


def test_the_full_runs_figures_are_the_rows_in_pyerp(synced_world) -> None:
    (full,) = [run for run in history(synced_world) if run["run_id"] == synced_world.full_run.run_id]
    assert (full["mode"], full["status"]) == ("full", "succeeded")
    created = {e["entity"]: e["created"] for e in full["entities"]}
    assert set(created) == {e.table for e in ENTITIES}
    for table, count in created.items():
        assert synced_world.query(f"select count(*) from pyerp.{table}") == [(count,)], table
    assert all(e["updated"] == e["conflicts"] == 0 for e in full["entities"])


def test_a_row_changed_on_both_sides_waits_for_a_person_and_stays_resolved(synced_world) -> None:
    world = synced_world
    family, other_family = clean_families(world)[:2]
    ((target_id,),) = world.query("select id from pyerp.products_parentproduct where legacy_id = %s", (family,))
    world.query(
        "update pyerp.products_parentproduct set name = %s, updated_at = now() where id = %s", (EDITED, target_id)
    )
    assert world.server.update("Artikel_Familie", keys=[family]).updated["Artikel_Familie"] == [family]
    customers = world.server.update("Kunden", count=3).updated["Kunden"]
    assert len(customers) == 3
    for table in BUSINESS_CHANGES:  # and 1 % of the sales and variants, as a day of business does
        assert world.server.update(table, percent=1).updated[table]

    before = content(world)
    second = legacy_sync(policies=POLICIES, settings=world.settings)
    after = content(world)

    # the history's figures are what changed in pyERP, entity by entity
    (run,) = [r for r in history(world) if r["run_id"] == second.run_id]
    figures = {e["entity"]: e for e in run["entities"]}
    for table, rows in after.items():
        old = before[table]
        created = len(rows.keys() - old.keys())
        updated = sum(1 for row_id, row in rows.items() if row_id in old and old[row_id] != row)
        assert (figures[table]["created"], figures[table]["updated"]) == (created, updated), table
    assert figures["sales_customer"]["updated"] == 3
    assert figures["products_parentproduct"]["conflicts"] == 1
    assert sum(e["conflicts"] for e in run["entities"]) == 1
    assert after["products_parentproduct"][target_id] == before["products_parentproduct"][target_id]  # kept

    # listed, with both versions
    listed = world.cli("conflicts", "--json")
    assert listed.returncode == 0, listed.stderr
    (conflict,) = json.loads(listed.stdout)
    assert (conflict["entity"], conflict["target_id"], conflict["policy"], conflict["status"]) == (
        "products_parentproduct",
        target_id,
        "manual",
        "open",
    )
    ((mart_name,),) = world.query(
        "select name from legacy_marts.products_parentproduct where legacy_id = %s", (family,)
    )
    assert (conflict["target_version"]["name"], conflict["source_version"]["name"]) == (EDITED, mart_name)
    assert "name" in conflict["differs"]

    # resolved by command: the 4D version is applied
    resolved = world.cli("conflicts", "resolve", str(conflict["conflict_id"]), "--take", "source")
    assert resolved.returncode == 0, resolved.stderr
    assert "took source" in resolved.stdout
    assert world.query("select name from pyerp.products_parentproduct where id = %s", (target_id,)) == [(mart_name,)]
    assert json.loads(world.cli("conflicts", "--json").stdout) == []
    (closed,) = json.loads(world.cli("conflicts", "--all", "--json").stdout)
    assert (closed["conflict_id"], closed["status"], closed["resolution"]) == (
        conflict["conflict_id"],
        "resolved",
        "source",
    )
    again = world.cli("conflicts", "resolve", str(conflict["conflict_id"]), "--take", "target")
    assert again.returncode == 1 and again.stderr.strip() == (
        f"pyerp-sync: error: conflict {conflict['conflict_id']} is already resolved"
    )

    # the next run publishes the products again (another family changed) and raises no new conflict
    world.server.update("Artikel_Familie", keys=[other_family])
    third = legacy_sync(policies=POLICIES, settings=world.settings)
    parents = next(e for e in third.entities if e.entity == "products_parentproduct")
    assert parents.updated >= 1, "the products were published again"
    assert sum(e.conflicts for e in third.entities) == 0
    assert json.loads(world.cli("conflicts", "--json").stdout) == []
    assert world.query("select name from pyerp.products_parentproduct where id = %s", (target_id,)) == [(mart_name,)]


def test_an_unknown_policy_or_table_is_refused_before_the_run_starts(synced_world) -> None:
    from flows.entities import UnknownEntity
    from flows.settings import ConfigError

    runs = len(history(synced_world))
    with pytest.raises(ConfigError, match="unknown conflict policy 'last_wins'"):
        legacy_sync(policies={"sales_customer": "last_wins"}, settings=synced_world.settings)  # type: ignore[dict-item]
    with pytest.raises(UnknownEntity, match="unknown pyERP table 'customers'"):
        legacy_sync(policies={"customers": "manual"}, settings=synced_world.settings)
    assert len(history(synced_world)) == runs
