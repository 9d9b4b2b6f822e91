"""Reconcile: each pyERP table against its 4D source, key by key, over the REST API (the parallel-run check)."""

from __future__ import annotations

import contextlib
import json

import psycopg2
import pytest

from flows.entities import ENTITIES
from flows.reconcile import DERIVED, KEY_MAPS, reconcile

pytestmark = pytest.mark.integration


def reconciled(world, entities: list[str]):
    with contextlib.closing(psycopg2.connect(world.url)) as conn:
        return {r.entity: r for r in reconcile(conn, world.settings, entities)}


def test_every_published_table_has_a_key_map_or_is_derived() -> None:
    assert set(KEY_MAPS).isdisjoint(DERIVED)
    assert set(KEY_MAPS) | set(DERIVED) == {e.table for e in ENTITIES}


def test_a_synced_world_matches_4d_except_the_rows_it_rejected(synced_world) -> None:
    results = reconciled(synced_world, list(KEY_MAPS))
    assert list(results) == list(KEY_MAPS)
    for entity, result in results.items():
        key_map = KEY_MAPS[entity]
        assert result.source_table == key_map.endpoint
        assert result.source_rows == sum(1 for _ in synced_world.server.rows(key_map.endpoint)), entity
        ((published,),) = synced_world.query(f"select count(*) from pyerp.{entity} as t where {key_map.target_filter}")
        assert result.pyerp_rows == published, entity
        assert (result.missing_in_pyerp, result.extra_in_pyerp) == (0, 0), (entity, result)
        assert result.matches and result.missing_sample == result.extra_sample == []
        # each 4D row is in pyERP or was rejected, never both
        assert result.rejected == result.source_rows - result.pyerp_rows, entity
        planted = synced_world.planted_errors(key_map.endpoint)
        if planted:  # the emulator's own list of defective rows
            assert result.rejected == len(planted), entity
        else:  # rows pyERP's rules refuse beyond the planted ones (a second slot code in a box, …), as recorded
            ((recorded,),) = synced_world.query(
                "select count(distinct legacy_key) from pyerp_sync.rejects where entity = %s and severity = 'error' "
                "and run_id = %s",
                (entity, synced_world.full_run.run_id),
            )
            assert result.rejected == recorded, entity
    assert sum(r.rejected for r in results.values()) > 0  # the world has rejects, so the check above means something


def test_a_row_deleted_and_a_row_added_in_pyerp_are_reported_by_key(synced_world) -> None:
    """A leaf table (nothing references a box's content), edited by hand, then put back."""
    world = synced_world
    table = "pyerp.inventory_boxstorage"
    columns = [
        name
        for (name,) in world.query(
            "select column_name from information_schema.columns where table_schema = 'pyerp' "
            "and table_name = 'inventory_boxstorage' order by ordinal_position"
        )
    ]
    (original,) = world.query(f"select {', '.join(columns)} from {table} order by legacy_id limit 1")
    row = dict(zip(columns, original, strict=True))
    extra = {**row, "legacy_id": "EXTRA-1"}
    del extra["id"]  # a new row: pyERP gives it the next id
    world.query(f"delete from {table} where id = %s", (row["id"],))
    world.query(
        f"insert into {table} ({', '.join(extra)}) values ({', '.join(['%s'] * len(extra))})", tuple(extra.values())
    )
    try:
        result = reconciled(world, ["inventory_boxstorage"])["inventory_boxstorage"]
        assert (result.missing_in_pyerp, result.extra_in_pyerp) == (1, 1)
        assert (result.missing_sample, result.extra_sample) == ([row["legacy_id"]], ["EXTRA-1"])
        assert not result.matches

        done = world.cli("reconcile", "--json")
        assert done.returncode == 1, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "inventory_boxstorage" in done.stderr
        assert "Traceback" not in done.stderr
        listed = {r["entity"]: r for r in json.loads(done.stdout)}
        assert set(listed) == set(KEY_MAPS)
        assert [e for e, r in listed.items() if not r["matches"]] == ["inventory_boxstorage"]
        assert listed["inventory_boxstorage"]["missing_sample"] == [row["legacy_id"]]
        assert listed["inventory_boxstorage"]["extra_sample"] == ["EXTRA-1"]
    finally:
        world.query(f"delete from {table} where legacy_id = 'EXTRA-1'")
        world.query(
            f"insert into {table} ({', '.join(row)}) values ({', '.join(['%s'] * len(row))})", tuple(row.values())
        )

    done = world.cli("reconcile", "--json")
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert all(r["matches"] for r in json.loads(done.stdout))
