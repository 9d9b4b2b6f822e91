"""`pyerp-sync soak` end to end at a tiny scale, and the SQL comparison it ends with."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

from benchmarks.convergence import compare, table_digests
from flows.entities import ENTITIES
from flows.target import ensure_target_tables

pytestmark = pytest.mark.integration


def execute(url: str, *statements: str) -> None:
    with contextlib.closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
        conn.commit()


def differing(actual: str, reference: str) -> dict[str, str]:
    return {t.table: t.detail for t in compare(actual, reference) if not t.equal}


@pytest.fixture
def two_databases(create_database) -> tuple[str, str]:
    """Two databases with pyERP's tables and the same content under different ids and publish timestamps."""
    urls = create_database(), create_database()
    for url, first_id, stamp in zip(urls, (1, 11), ("2026-01-01", "2026-05-05"), strict=True):
        with contextlib.closing(psycopg2.connect(url)) as conn:
            ensure_target_tables(conn, "pyerp")
        execute(
            url,
            f"insert into pyerp.products_productcategory (id, code, name, description, parent_id) values "
            f"({first_id}, 'C1', 'Vases', '', null), ({first_id + 1}, 'C2', 'Small vases', '', {first_id})",
            "insert into pyerp.inventory_boxtype (id, created_at, modified_at, is_synchronized, name, description, "
            "color, length, width, height, weight_empty, slot_count, slot_naming_scheme) values "
            f"({first_id}, '{stamp}', '{stamp}', true, 'KLT', '', 'blue', 60, 40, 22, 1.5, 4, 'numeric')",
        )
    return urls


def test_the_comparison_ignores_ids_and_stamps_and_sees_a_changed_or_extra_row(two_databases) -> None:
    actual, reference = two_databases
    assert differing(actual, reference) == {}
    digests = table_digests(actual)
    assert digests.keys() == {e.table for e in ENTITIES}
    assert (digests["products_productcategory"].rows, digests["inventory_boxtype"].rows) == (2, 1)

    execute(actual, "update pyerp.products_productcategory set name = 'Tall vases' where code = 'C2'")
    found = differing(actual, reference)
    assert found.keys() == {"products_productcategory"}
    assert "missing 1" in found["products_productcategory"] and "Tall vases" in found["products_productcategory"]

    # the same name, but the parent now points at another row: a foreign key compares by the row it names
    execute(
        actual,
        "update pyerp.products_productcategory set name = 'Small vases' where code = 'C2'",
        "insert into pyerp.products_productcategory (id, code, name, description) values (99, 'C3', 'Bowls', '')",
        "update pyerp.products_productcategory set parent_id = 99 where code = 'C2'",
    )
    found = differing(actual, reference)
    assert found.keys() == {"products_productcategory"}
    assert "extra 2" in found["products_productcategory"]  # C3 itself, and C2 under C3
    assert '"parent_id":["C3"]' in found["products_productcategory"]


def test_a_row_deleted_in_4d_is_counted_apart_and_must_be_inactive(two_databases) -> None:
    actual, reference = two_databases
    execute(
        actual,
        "insert into pyerp.sales_paymentmethod (created_at, modified_at, is_synchronized, name, code, active, "
        "requires_authorization, notes) values (now(), now(), true, 'Cash', 'BAR', true, false, '')",
    )
    assert differing(actual, reference).keys() == {"sales_paymentmethod"}  # a row the reference does not have

    # the mart says 4D deleted it (publish deactivates such a row): not compared, but it must be inactive
    execute(
        actual,
        "create schema legacy_marts",
        "create table legacy_marts.sales_paymentmethod (name text, code text, is_deleted boolean)",
        "insert into legacy_marts.sales_paymentmethod values ('Cash', 'BAR', true)",
    )
    result = {t.table: t for t in compare(actual, reference)}["sales_paymentmethod"]
    assert (result.actual.rows, result.actual.deleted_in_4d, result.actual.deleted_but_active) == (0, 1, 1)
    assert not result.equal and "still active" in result.detail

    execute(actual, "update pyerp.sales_paymentmethod set active = false")
    assert differing(actual, reference) == {}


def test_soak_command_converges_after_a_cycle_under_faults(pg_admin_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYERP_SYNC_", "LEGACY_4D_", "PREFECT_"))}
    env.update({"PYERP_SYNC_DATABASE_URL": pg_admin_url, "PYERP_SYNC_HOME": str(tmp_path / "home")})
    figures_path = tmp_path / "soak.json"
    result = subprocess.run(
        [sys.executable, "-m", "flows.cli", "soak", "--scale", "0.003", "--cycles", "1", "--json", str(figures_path)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "converged: every pyERP table equals the uninterrupted full sync" in result.stdout

    figures = json.loads(figures_path.read_text())
    assert figures["converged"] and figures["differing_tables"] == []
    assert [t["table"] for t in figures["tables"]] == [e.table for e in ENTITIES]
    assert all(t["equal"] and t["soak_rows"] == t["reference_rows"] > 0 for t in figures["tables"])
    assert [r["label"] for r in figures["runs"]] == ["full", "cycle 1/1", "final"]
    cycle = figures["runs"][1]
    assert cycle["faults"] and cycle["changes"]["updated"] > 0
    assert figures["runs"][-1]["outcome"] == "succeeded" and not figures["databases_kept"]
    match = re.search(r"scratch databases (\w+), (\w+) on", result.stdout)
    assert match, result.stdout[:500]
    with contextlib.closing(psycopg2.connect(pg_admin_url)) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from pg_database where datname in (%s, %s)", (match[1], match[2]))
        assert cur.fetchone()[0] == 0  # both scratch databases dropped
