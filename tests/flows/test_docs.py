"""``pyerp-sync docs``: dbt's lineage and column docs as one static page, from the database the sync built."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.entities import ENTITIES

pytestmark = pytest.mark.integration


def test_docs_writes_a_static_site_whose_catalog_covers_every_mart(synced_world, tmp_path: Path) -> None:
    target = tmp_path / "site"
    done = synced_world.cli("docs", "--no-serve", "--target-path", str(target))
    assert done.returncode == 0, done.stderr
    page = target / "static_index.html"
    assert done.stdout.strip().splitlines()[-1] == f"lineage site: {page}"

    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    assert not catalog.get("errors")
    site = page.read_text()
    for entity in ENTITIES:
        node = f"model.pyerp_sync.{entity.table}"
        assert node in catalog["nodes"], entity.table
        built = catalog["nodes"][node]
        assert (built["metadata"]["schema"], built["metadata"]["name"]) == ("legacy_marts", entity.table)
        documented = set(manifest["nodes"][node]["columns"])
        assert documented and set(built["columns"]) == documented, entity.table  # every column, as its contract
        assert node in site, f"{entity.table} is missing from the static page"
