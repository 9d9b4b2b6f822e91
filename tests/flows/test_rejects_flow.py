"""Rejects as a current state, end to end: the emulator over HTTP, dbt's real ``sync_rejects`` view, publish, and
``pyerp-sync rejects`` / ``status`` as a person runs them. A row the emulator planted a defect in is open after the
first run; a run that does not rebuild its table leaves it alone; fixed in 4D, it stays open through a dry run and
a run whose publish fails, and the run that publishes it resolves it.

The state's rules in detail (refresh, reopen, arrays of details, paging, the migration) are in
tests/flows/test_rejects_state.py, without a sync."""

from __future__ import annotations

import json

import pytest

from emulator import EmulatorServer
from flows.errors import SyncFailed
from flows.settings import Settings
from flows.sync import legacy_sync
from tests.flows.synced_world import SEED, World

pytestmark = pytest.mark.integration
ONLY = ["products_parentproduct", "production_mold"]  # and the categories: two tables that do not depend on each other
PARENTS = "products_parentproduct"
REPAIRED = "Repariert im 4D"


@pytest.fixture(scope="module")
def world(create_database, tmp_path_factory: pytest.TempPathFactory):
    with EmulatorServer(scale=0.01, seed=SEED) as server:
        url = create_database()
        settings = Settings(
            database_url=url,
            target_schema="pyerp",
            home=tmp_path_factory.mktemp("rejects-home"),
            legacy_url=server.base_url,
            legacy_username=None,
        )
        report = legacy_sync(full=True, only=ONLY, settings=settings)
        yield World(server, settings, url, report, tmp_path_factory.mktemp("rejects-cwd"))


def state(world: World, entity: str) -> dict[tuple[str, str], tuple]:
    """(4D key, reason) → (business key, severity, details, first seen run, last seen run, resolved run)."""
    rows = world.query(
        "select legacy_key, reason, business_key, severity, details, first_seen_run::text, last_seen_run::text, "
        "resolved_run::text from pyerp_sync.reject_state where entity = %s",
        (entity,),
    )
    return {row[:2]: row[2:] for row in rows}


def copied(world: World, run_id: str, entity: str) -> set[tuple[str, str]]:
    rows = world.query(
        "select legacy_key, reason from pyerp_sync.rejects where run_id = %s and entity = %s", (run_id, entity)
    )
    return set(rows)


def cli_json(world: World, *args: str) -> dict:
    done = world.cli(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def repair_name_in_4d(server: EmulatorServer, key: str) -> None:
    """Someone fixes the family's empty name in 4D: the row is saved as the ERP saves it (new stamp and date)."""
    data = server.store.tables["Artikel_Familie"]
    with server.store.lock:
        row = list(data.rows[key])
        row[data.index("Bezeichnung")] = REPAIRED
        data.replace(tuple(row))
    assert server.update("Artikel_Familie", keys=[key]).updated["Artikel_Familie"] == [key]


def test_a_planted_reject_stays_open_until_the_run_that_publishes_its_fixed_row(world: World) -> None:
    first = world.full_run.run_id
    planted = {(e["key"], e["reason"]) for e in world.server.manifest if e["table"] == "Artikel_Familie"}
    (empty_name,) = [key for key, reason in planted if reason == "empty_name"]
    assert len(planted) == 4  # invalid SKU, empty name, negative weight, duplicate number

    # after the first run: open, first and last seen by it, with the business key and details dbt gave
    after_first = state(world, PARENTS)
    assert planted <= after_first.keys()
    assert after_first.keys() == copied(world, first, PARENTS)
    view = world.query(
        "select legacy_key, reason, business_key, severity, details from legacy_marts.sync_rejects where entity = %s",
        (PARENTS,),
    )
    assert {row[:2]: (*row[2:], first, first, None) for row in view} == after_first
    listed = cli_json(world, "rejects", "--entity", PARENTS)
    assert {(r["legacy_key"], r["reason"]) for r in listed["rows"]} == after_first.keys()
    row = next(r for r in listed["rows"] if r["legacy_key"] == empty_name)
    assert (row["status"], row["first_seen_run"], row["business_key"], row["details"]) == (
        "open",
        first,
        *after_first[empty_name, "empty_name"][:1],
        after_first[empty_name, "empty_name"][2],
    )

    # an incremental run that rebuilds only the molds: the families' rejects are not touched
    mold = next(iter(world.server.rows("Formen")))["__KEY"]
    world.server.update("Formen", keys=[mold])
    molds_only = legacy_sync(only=ONLY, settings=world.settings)
    assert not copied(world, molds_only.run_id, PARENTS)  # the families were not rebuilt
    assert state(world, PARENTS) == after_first

    # fixed in 4D: a dry run sees it fixed and resolves nothing
    repair_name_in_4d(world.server, empty_name)
    dry = legacy_sync(only=ONLY, dry_run=True, settings=world.settings)
    assert copied(world, dry.run_id, PARENTS) == after_first.keys() - {(empty_name, "empty_name")}
    assert state(world, PARENTS) == after_first

    # a run whose publish fails (pyERP refuses the row) rolls back and resolves nothing
    world.query(
        "create function public.refuse_repaired() returns trigger language plpgsql as "
        "$$ begin raise exception 'pyERP refuses %', new.name; end $$; "
        "create trigger refuse_repaired before insert on pyerp.products_parentproduct for each row "
        f"when (new.name = '{REPAIRED}') execute function public.refuse_repaired()"
    )
    try:
        with pytest.raises(SyncFailed, match="publish failed"):
            legacy_sync(only=ONLY, settings=world.settings)
    finally:
        world.query("drop trigger refuse_repaired on pyerp.products_parentproduct")
    assert state(world, PARENTS) == after_first

    # the run that publishes the fixed row resolves its reject; the others are seen again and stay open
    published = legacy_sync(only=ONLY, settings=world.settings)
    assert world.query("select name from pyerp.products_parentproduct where legacy_id = %s", (empty_name,)) == [
        (REPAIRED,)
    ]
    now = state(world, PARENTS)
    assert now[empty_name, "empty_name"][3:] == (first, first, published.run_id)
    for key, values in now.items():
        if key != (empty_name, "empty_name"):
            assert values[3:] == (first, published.run_id, None), key

    # `rejects` lists the open ones only, `--all` the resolved one too; `status` counts the open ones
    listed = cli_json(world, "rejects", "--entity", PARENTS)
    assert {(r["legacy_key"], r["reason"]) for r in listed["rows"]} == now.keys() - {(empty_name, "empty_name")}
    everything = cli_json(world, "rejects", "--all", "--entity", PARENTS)
    (resolved,) = [r for r in everything["rows"] if r["status"] == "resolved"]
    assert (resolved["legacy_key"], resolved["resolved_run"], resolved["last_seen_run"]) == (
        empty_name,
        published.run_id,
        first,
    )
    assert resolved["resolved_at"] >= resolved["last_seen_at"]
    status = cli_json(world, "status")
    (open_count,) = world.query("select count(*) from pyerp_sync.reject_state where resolved_at is null")[0]
    assert status["open_rejects"] == open_count >= 3
    shown = world.cli("rejects", "--entity", PARENTS)
    assert shown.returncode == 0 and "business key" in shown.stdout and empty_name not in shown.stdout
    assert shown.stdout.rstrip().endswith(f"{len(now) - 1} open rejects")
