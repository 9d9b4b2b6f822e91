"""End to end: the emulator over HTTP and a real PostgreSQL → the legacy-sync steps → pyERP's tables.

One synced world per module (a full run is the expensive part); the tests then change 4D, run again, and check
what reached pyERP against the emulator's own rows, never against the SQL that produced them.
"""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import ClassVar

import psycopg2
import pytest

from emulator import EmulatorServer
from flows import dbt_runner as flows_dbt
from flows.entities import ENTITIES
from flows.errors import SyncFailed
from flows.history import list_runs
from flows.settings import DBT_PROJECT_DIR
from flows.sync import legacy_sync

pytestmark = pytest.mark.integration
SCALE = 0.01


@pytest.fixture(scope="module")
def world(create_database, tmp_path_factory):
    """An emulator, an empty database, settings pointing at both, and one full run already done."""
    from flows.settings import Settings

    with EmulatorServer(scale=SCALE, seed=7) as server:
        url = create_database()
        settings = Settings(
            database_url=url,
            target_schema="pyerp",
            home=tmp_path_factory.mktemp("home"),
            legacy_url=server.base_url,
            legacy_username=None,
        )
        report = legacy_sync(full=True, settings=settings)
        yield server, settings, url, report


def query(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall()


def pyerp_snapshot(url: str) -> dict[str, list[tuple]]:
    return {e.table: query(url, f"select * from pyerp.{e.table} order by id") for e in ENTITIES}


def planted(server: EmulatorServer, table: str) -> set[str]:
    return {e["key"] for e in server.manifest if e["table"] == table and e["severity"] == "error"}


def money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_full_run_publishes_what_4d_holds(world) -> None:
    server, _, url, report = world
    variants = {r["__KEY"]: r for r in server.rows("Artikel_Variante")}
    expected = {k: r["Familie_"] for k, r in variants.items() if k not in planted(server, "Artikel_Variante")}
    published = dict(
        query(
            url,
            "select v.legacy_id, p.legacy_id from pyerp.products_variantproduct v "
            "join pyerp.products_parentproduct p on p.id = v.parent_id",
        )
    )
    assert published == expected

    lines = [r for r in server.rows("Belege_Pos") if r["__KEY"] not in planted(server, "Belege_Pos")]
    items = {
        (record, position): subtotal
        for record, position, subtotal in query(
            url,
            "select r.legacy_id, i.position, i.line_subtotal from pyerp.sales_salesrecorditem i "
            "join pyerp.sales_salesrecord r on r.id = i.sales_record_id",
        )
    }
    assert items == {(str(r["AbsNr"]), int(r["PosNr"])): money(r["Pos_Betrag"]) for r in lines}

    customers = {str(r["KundenNr"]) for r in server.rows("Kunden")}
    assert {row[0] for row in query(url, "select customer_number from pyerp.sales_customer")} == customers
    employees = {str(r["Pers_Nr"]) for r in server.rows("Personal")}
    assert {row[0] for row in query(url, "select employee_number from pyerp.business_employee")} == employees

    # the run history's figures are the rows that really reached pyERP
    for record in report.entities:
        (count,) = query(url, f"select count(*) from pyerp.{record.entity}")[0]
        assert record.created == count, record.entity
    (run,) = list_runs(psycopg2.connect(url), 1)
    assert run.status == "succeeded" and run.mode == "full"


def test_second_run_without_changes_publishes_nothing(world) -> None:
    _, settings, url, _ = world
    before = pyerp_snapshot(url)
    report = legacy_sync(settings=settings)
    assert report.skipped_dbt
    assert all((r.created, r.updated, r.deactivated, r.conflicts) == (0, 0, 0, 0) for r in report.entities)
    assert pyerp_snapshot(url) == before


def test_changes_in_4d_reach_pyerp(world) -> None:
    server, settings, url, _ = world
    valid = sorted(
        k for k in (r["__KEY"] for r in server.rows("Artikel_Variante")) if k not in planted(server, "Artikel_Variante")
    )
    changed = server.update("Artikel_Variante", keys=valid[:3]).updated["Artikel_Variante"]
    server.delete("Artikel_Variante", keys=[valid[-1]])
    report = legacy_sync(settings=settings)
    variants = next(r for r in report.entities if r.entity == "products_variantproduct")
    assert (variants.updated, variants.deactivated) == (len(changed), 1)
    assert query(url, "select is_active from pyerp.products_variantproduct where legacy_id = %s", (valid[-1],)) == [
        (False,)
    ]


def test_only_runs_the_named_table_and_its_dependencies(world) -> None:
    server, settings, url, _ = world
    customer = next(iter(server.rows("Kunden")))["__KEY"]
    server.update("Kunden", keys=[customer])
    variant = next(
        k for k in (r["__KEY"] for r in server.rows("Artikel_Variante")) if k not in planted(server, "Artikel_Variante")
    )
    server.update("Artikel_Variante", keys=[variant])
    server.request_log.clear()
    report = legacy_sync(only=["products_variantproduct"], settings=settings)
    assert {r.entity for r in report.entities} == {
        "products_productcategory",
        "products_parentproduct",
        "products_variantproduct",
    }
    touched = {
        record.path.split("/")[2].split("(")[0].split("[")[0]
        for record in list(server.request_log)
        if record.path.count("/") >= 2 and not record.path.startswith("/rest/$")
    }
    assert touched == {"ArtikelGruppe", "Artikel_Familie", "Artikel_Variante"}
    assert next(r for r in report.entities if r.entity == "products_variantproduct").updated == 1
    # the customer changed in 4D is not published by a run limited to products; the next full one does it
    assert legacy_sync(settings=settings).entities[0] is not None
    assert any(r.entity == "sales_customer" and r.updated == 1 for r in list_runs(psycopg2.connect(url), 1)[0].entities)


@pytest.fixture
def failing_dbt_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real dbt project plus one data test that fails, in a copy (the flow's dbt step reads it from there)."""
    copy = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs"))
    (copy / "data-tests" / "assert_the_variant_mart_is_empty.sql").write_text(
        "select legacy_id from {{ ref('products_variantproduct') }} where not is_deleted\n"
    )
    monkeypatch.setattr(flows_dbt, "DBT_PROJECT_DIR", copy)
    return copy


def test_failing_dbt_test_blocks_publish_and_leaves_pyerp_untouched(world, failing_dbt_project) -> None:
    server, settings, url, _ = world
    variant = next(
        k for k in (r["__KEY"] for r in server.rows("Artikel_Variante")) if k not in planted(server, "Artikel_Variante")
    )
    server.update("Artikel_Variante", keys=[variant])
    before = pyerp_snapshot(url)
    with pytest.raises(SyncFailed) as failed:
        legacy_sync(settings=settings)
    assert failed.value.error_class == "data_test_failed"
    assert pyerp_snapshot(url) == before
    (run,) = list_runs(psycopg2.connect(url), 1)
    assert (run.status, run.error_class, run.failed_step) == ("failed", "data_test_failed", "dbt")


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


def test_failed_run_posts_its_alert(world, quick_retries) -> None:

    server, settings, url, _ = world
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    webhook = f"http://127.0.0.1:{receiver.server_address[1]}/alerts"
    server.faults.update(down=True)  # with the real retry budget this fails within 60 s: tests/faults proves it
    try:
        with pytest.raises(SyncFailed) as failed:
            legacy_sync(settings=settings.replace(alert_webhook=webhook))
    finally:
        server.faults.reset()
        receiver.shutdown()
    assert failed.value.error_class == "source_unavailable"
    (alert,) = _Receiver.received
    (run,) = list_runs(psycopg2.connect(url), 1)
    assert alert["run_id"] == run.run_id and alert["failed_step"] == "connect"
    assert alert["error_class"] == "source_unavailable" and "\n" not in alert["message"]
    assert legacy_sync(settings=settings).entities  # the next run succeeds


def test_the_prefect_flow_runs_the_same_steps_and_leaves_a_summary(world, monkeypatch) -> None:
    """The deployments' entrypoint, under a Prefect test server: same run history, plus the summary artifact."""
    from prefect.client.orchestration import get_client
    from prefect.testing.utilities import prefect_test_harness

    from flows.sync import legacy_sync

    server, settings, url, _ = world
    monkeypatch.setenv("PYERP_SYNC_DATABASE_URL", url)
    monkeypatch.setenv("LEGACY_4D_URL", server.base_url)
    monkeypatch.setenv("PYERP_SYNC_HOME", str(settings.home))
    with prefect_test_harness():
        outcome = legacy_sync(full=False)

        async def summary():
            async with get_client() as client:
                return await client.read_latest_artifacts()

        import asyncio

        artifacts = asyncio.run(summary())
    (run,) = list_runs(psycopg2.connect(url), 1)
    assert outcome.run_id == run.run_id and run.status == "succeeded"
    table = next(a for a in artifacts if a.key == "legacy-sync-summary")
    assert run.run_id in table.description


def test_a_second_run_while_one_holds_the_lock_exits_already_running(world) -> None:
    from flows.run import RUN_LOCK_KEY

    _, settings, url, _ = world
    before = pyerp_snapshot(url)
    holder = psycopg2.connect(url)
    holder.autocommit = True
    try:
        with holder.cursor() as cur:
            cur.execute("select pg_advisory_lock(%s)", (RUN_LOCK_KEY,))
        with pytest.raises(SyncFailed) as refused:
            legacy_sync(full=True, settings=settings)
        assert refused.value.error_class == "already_running"
        assert "already" in str(refused.value) or "in progress" in str(refused.value)
        assert pyerp_snapshot(url) == before
    finally:
        holder.close()
