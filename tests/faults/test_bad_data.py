"""Bad data from 4D: the run never crashes, every rejected row is counted with its reason, nothing valid is lost.

- Ten times the emulator's planted defects: the rejects recorded for the run are exactly the planted error defects
  (plus the uniqueness collisions the generator makes by chance, derived here from 4D's rows), the planted warnings
  are recorded as warnings, and every other 4D row of 16 pyERP tables reached pyERP, once.
- Drift between runs (a new column, a vanished one, a number now sent as text, garbage in a number and a date
  field): the new column lands, the vanished one blanks nothing in pyERP, text that reads as the number is
  published as that number, and a value that cannot be read rejects its row with ``unreadable_value`` (pyERP keeps
  the last good version) instead of being published as NULL or 0.
- 4D repeating an entity in a page: the key lands once, no row is doubled or lost (also when the repeat makes a
  page look complete).
- Rows changed, inserted and deleted in 4D while the run pages through them: after the next incremental run pyERP
  equals that of a world where the same changes happened between the two runs.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import psycopg2
import pytest

from emulator import EmulatorServer
from emulator.defects import DefectRates
from extract.records import parse_legacy_date
from flows.history import list_runs
from flows.settings import Settings
from flows.sync import legacy_sync
from tests.django_fields import email_warnings
from tests.drift_proxy import NEW, DriftProxy, running
from tests.faults.conftest import SCALE, SEED
from tests.faults.convergence import Content, differences, pyerp_content

pytestmark = pytest.mark.integration

# The 4D table each planted defect's pyERP table is fed by.
ENTITY_OF_TABLE = {
    "Artikel_Familie": "products_parentproduct",
    "Artikel_Variante": "products_variantproduct",
    "Belege": "sales_salesrecord",
    "Belege_Pos": "sales_salesrecorditem",
    "Adressen": "sales_address",
}

# pyERP table -> (4D table, query of the natural keys published, the same key of a 4D row). A 4D row that is not
# rejected must appear exactly once.
PUBLISHED_KEYS: dict[str, tuple[str, str, Callable[[dict], object]]] = {
    "products_parentproduct": ("Artikel_Familie", "select legacy_id from pyerp.products_parentproduct",
                               lambda r: r["__KEY"]),
    "products_variantproduct": ("Artikel_Variante", "select legacy_id from pyerp.products_variantproduct",
                                lambda r: r["__KEY"]),
    "sales_customer": ("Kunden", "select legacy_id from pyerp.sales_customer", lambda r: r["__KEY"]),
    # addresses of Adressen (the ones built from a sales record's address blocks have derived ids)
    "sales_address": ("Adressen", "select legacy_id from pyerp.sales_address where legacy_id ~ '^[0-9A-F]{32}$'",
                      lambda r: r["__KEY"]),
    "sales_salesrecord": ("Belege", "select legacy_id from pyerp.sales_salesrecord", lambda r: str(r["AbsNr"])),
    "sales_salesrecorditem": (
        "Belege_Pos",
        "select r.legacy_id, i.position from pyerp.sales_salesrecorditem i "
        "join pyerp.sales_salesrecord r on r.id = i.sales_record_id",
        lambda r: (str(r["AbsNr"]), r["PosNr"]),
    ),
    "business_employee": ("Personal", "select legacy_id from pyerp.business_employee", lambda r: r["__KEY"]),
    "inventory_storagelocation": ("Stamm_Lagerorte", "select legacy_id from pyerp.inventory_storagelocation",
                                  lambda r: str(r["ID_Lagerort"])),
    "inventory_box": ("Stamm_Lager_Schuetten", "select legacy_id from pyerp.inventory_box", lambda r: str(r["ID"])),
    "inventory_boxslot": ("Stamm_Lager_Schuetten_Slots", "select legacy_id from pyerp.inventory_boxslot",
                          lambda r: str(r["ID"])),
    "inventory_productstorage": ("Artikel_Lagerorte", "select legacy_id from pyerp.inventory_productstorage",
                                 lambda r: r["UUID"]),
    "inventory_boxstorage": ("Lager_Schuetten", "select legacy_id from pyerp.inventory_boxstorage",
                             lambda r: str(r["ID"])),
    "production_productionorder": ("Werksauftraege", "select legacy_key from pyerp.production_productionorder",
                                   lambda r: r["__KEY"]),
    "production_productionorderitem": ("WerksauftrPos",
                                       "select legacy_key from pyerp.production_productionorderitem",
                                       lambda r: r["__KEY"]),
    "production_mold": ("Formen", "select legacy_uuid from pyerp.production_mold", lambda r: r["__KEY"]),
    "production_moldproduct": ("Form_Artikel", "select legacy_uuid from pyerp.production_moldproduct",
                               lambda r: r["__KEY"]),
}  # fmt: skip


def settings(server_url: str, url: str, home: Path) -> Settings:
    return Settings(database_url=url, target_schema="pyerp", home=home, legacy_url=server_url, legacy_username=None)


def query(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    with contextlib.closing(psycopg2.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(statement, params or None)
        return cur.fetchall()


def run_rejects(url: str, run_id: str) -> set[tuple[str, str, str, str]]:
    statement = "select entity, legacy_key, reason, severity from pyerp_sync.rejects where run_id = %s"
    rows = query(url, statement, (run_id,))
    assert len(rows) == len(set(rows)), "a reject recorded twice"
    return set(rows)


def sorted_rows(server: EmulatorServer, table: str) -> list[dict]:
    return sorted(server.rows(table), key=lambda row: row["__KEY"])


def chance_collisions(server: EmulatorServer) -> set[tuple[str, str, str, str]]:
    """Rejects the generator causes by chance, not by planting (so the manifest does not list them), derived here
    from 4D's rows with pyERP's uniqueness rules: mold articles repeating a (mold, family) pair; box slots repeating
    a slot ID, or a slot code in their box; product storages repeating a (variant, location) pair; and the box
    contents whose slot or product storage is one of those."""
    planted = {(e["table"], e["key"]) for e in server.manifest if e["severity"] == "error"}
    found: set[tuple[str, str, str, str]] = set()

    def reject(entity: str, key: str, reason: str) -> None:
        found.add((entity, key, reason, "error"))

    seen: set[object] = set()
    for article in sorted_rows(server, "Form_Artikel"):
        if (article["FormNr"], article["Art_Nr"]) in seen:
            reject("production_moldproduct", article["__KEY"], "duplicate_key")
        seen.add((article["FormNr"], article["Art_Nr"]))

    def slot_code(slot: dict) -> str:
        data = json.loads(slot["data_"]) if isinstance(slot["data_"], str) else slot["data_"] or {}
        return (data.get("Slot_Code") or "").strip() or f"S{slot['Lfd_Nr'] or 1}"

    slots = sorted_rows(server, "Stamm_Lager_Schuetten_Slots")
    bad_slots: set[str] = set()
    ids: set[object] = set()
    codes: set[object] = set()
    for slot in slots:
        if slot["ID"] in ids:
            bad_slots.add(slot["__KEY"])
        ids.add(slot["ID"])
    for slot in sorted(slots, key=lambda s: (s["Lfd_Nr"] or 1, s["__KEY"])):
        if (slot["ID_Lager_Schuetten_Slots"], slot_code(slot)) in codes:
            bad_slots.add(slot["__KEY"])
        codes.add((slot["ID_Lager_Schuetten_Slots"], slot_code(slot)))
    for key in bad_slots:
        reject("inventory_boxslot", key, "duplicate_key")

    variants = {
        v["refOld"]: v["__KEY"]
        for v in server.rows("Artikel_Variante")
        if ("Artikel_Variante", v["__KEY"]) not in planted
    }
    bad_storages: set[str] = set()
    places: set[object] = set()
    for storage in sorted_rows(server, "Artikel_Lagerorte"):
        place = (variants[storage["ID_Artikel_Stamm"]], storage["UUID_Stamm_Lagerorte"])
        if place in places:
            reject("inventory_productstorage", storage["__KEY"], "duplicate_key")
            bad_storages.add(storage["UUID"])
        places.add(place)
    for content in server.rows("Lager_Schuetten"):
        if content["UUID_Artikel_Lagerorte"] in bad_storages:
            reject("inventory_boxstorage", content["__KEY"], "missing_product_storage")
        if content["Relation_95_zurueck"]["__deferred"]["__KEY"] in bad_slots:
            reject("inventory_boxstorage", content["__KEY"], "missing_box_slot")
    return found


def test_tenfold_planted_defects_are_each_rejected_with_their_reason_and_every_valid_row_arrives(
    create_database, tmp_path: Path
) -> None:
    with EmulatorServer(scale=SCALE, seed=SEED, defect_rates=DefectRates().scaled(10)) as server:
        url = create_database()
        report = legacy_sync(full=True, settings=settings(server.base_url, url, tmp_path / "home"))

    (run,) = list_runs(psycopg2.connect(url), 1)
    assert (run.run_id, run.status) == (report.run_id, "succeeded")
    planted = {
        (ENTITY_OF_TABLE[e["table"]], e["key"], e["reason"], e["severity"])
        for e in server.manifest
        if e["table"] in ENTITY_OF_TABLE
    }
    assert {e["table"] for e in server.manifest} <= ENTITY_OF_TABLE.keys()
    reasons = Counter(reason for _, _, reason, _ in planted)
    assert len(reasons) == 8 and reasons["missing_sales_record"] >= 100, reasons  # every kind, ten times as many
    expected = planted | chance_collisions(server) | email_warnings(server)
    recorded = run_rejects(url, report.run_id)
    assert recorded == expected, {"unexpected": recorded - expected, "missing": expected - recorded}

    # the run's figures count the same rows: errors as rejected, warnings as warnings, per pyERP table
    errors = Counter(entity for entity, _, _, severity in expected if severity == "error")
    warnings = Counter(entity for entity, _, _, severity in expected if severity == "warning")
    assert {r.entity: r.rejected for r in report.entities if r.rejected} == errors
    assert {r.entity: r.warnings for r in report.entities if r.warnings} == warnings

    rejected = {(entity, key) for entity, key, _, severity in expected if severity == "error"}
    compared = 0
    for entity, (table, statement, natural_key) in PUBLISHED_KEYS.items():
        wanted = Counter(natural_key(r) for r in server.rows(table) if (entity, r["__KEY"]) not in rejected)
        published = Counter(row if len(row) > 1 else row[0] for row in query(url, statement))
        assert published == wanted, (entity, {"missing": wanted - published, "extra": published - wanted})
        compared += sum(wanted.values())
    # the warned rows are published too (a sales record of an unknown customer)
    warned = {key for entity, key, _, severity in expected if severity == "warning" and entity == "sales_salesrecord"}
    numbers = {r["__KEY"]: str(r["AbsNr"]) for r in server.rows("Belege")}
    published_records = {row[0] for row in query(url, "select legacy_id from pyerp.sales_salesrecord")}
    assert warned and {numbers[key] for key in warned} <= published_records
    # and the addresses whose e-mail pyERP refuses are published, the e-mail empty
    refused = {key for entity, key, reason, _ in expected if (entity, reason) == ("sales_address", "invalid_email")}
    refused -= {key for entity, key in rejected if entity == "sales_address"}  # not published for another reason
    emails = dict(
        query(url, "select legacy_id, email from pyerp.sales_address where legacy_id = any(%s)", (list(refused),))
    )
    assert refused and emails == dict.fromkeys(refused, "")
    assert compared > 2_000


ORDERS = "select legacy_key, * from pyerp.production_productionorder"


def test_drift_and_type_changes_between_runs_bend_no_row(create_database, tmp_path: Path) -> None:
    only = ["production_productionorder", "production_mold"]
    with EmulatorServer(scale=SCALE, seed=SEED) as server, running(DriftProxy(server, table="Formen")) as proxy:
        url = create_database()
        sync_settings = settings(proxy.base_url, url, tmp_path / "home")
        legacy_sync(full=True, only=only, settings=sync_settings)
        orders_before = {row[0]: row for row in query(url, ORDERS)}
        notes_before = dict(query(url, "select legacy_uuid, notes from pyerp.production_mold"))
        assert sum(1 for note in notes_before.values() if note) >= 2  # the vanishing column had content

        # between the runs: Formen gains a column and loses Bemerkung; 4D's catalog now declares Stückzahl as text
        # and sends it as text (with thousands separators); one order's Stückzahl and another's Termin are garbage
        orders = sorted_rows(server, "Werksauftraege")
        as_text = max(orders, key=lambda r: r["Stückzahl"])["__KEY"]  # sent as " 1,234 "
        garbled_number, garbled_date = [r["__KEY"] for r in orders if r["__KEY"] != as_text][:2]
        mold = sorted_rows(server, "Formen")[0]["__KEY"]
        proxy.add_column, proxy.drop_column = True, "Bemerkung"
        proxy.retype[("Werksauftraege", "Stückzahl")] = "string"
        proxy.transforms[("Werksauftraege", "Stückzahl")] = lambda v: f" {v:,} " if isinstance(v, int) else v
        proxy.values[("Werksauftraege", garbled_number, "Stückzahl")] = "zwölf"
        proxy.values[("Werksauftraege", garbled_date, "Termin")] = "demnächst"
        server.update("Werksauftraege", keys=[as_text, garbled_number, garbled_date])
        server.update("Formen", keys=[mold])
        report = legacy_sync(only=only, settings=sync_settings)

        # the new column landed on every row, the vanished one blanked nothing
        landed = dict(query(url, f'select "__KEY", "{NEW}" from legacy_raw.formen where not _is_deleted'))
        assert landed == {r["__KEY"]: f"LP-{r['__KEY'][:6]}" for r in server.rows("Formen")}
        assert dict(query(url, "select legacy_uuid, notes from pyerp.production_mold")) == notes_before
        sperre = {r["__KEY"]: r["Sperre"] for r in server.rows("Formen")}
        assert query(url, "select is_active from pyerp.production_mold where legacy_uuid = %s", (mold,)) == [
            (not sperre[mold],)
        ]  # the changed mold was still published

        # text that reads as the number is that number; unreadable values reject their row, which stays as it was
        now = {r["__KEY"]: r for r in server.rows("Werksauftraege")}
        assert query(url, 'select "Stückzahl" from legacy_raw.werksauftraege where "__KEY" = %s', (as_text,)) == [
            (f" {now[as_text]['Stückzahl']:,} ",)
        ]
        assert query(url, "select quantity, priority from pyerp.production_productionorder where legacy_key = %s",
                     (as_text,)) == [(now[as_text]["Stückzahl"], now[as_text]["Prio"])]  # fmt: skip
        assert run_rejects(url, report.run_id) == {
            ("production_productionorder", garbled_number, "unreadable_value", "error"),
            ("production_productionorder", garbled_date, "unreadable_value", "error"),
        }
        after = {row[0]: row for row in query(url, ORDERS)}
        assert (after[garbled_number], after[garbled_date]) == (
            orders_before[garbled_number],
            orders_before[garbled_date],
        )
        figures = {r.entity: r for r in report.entities}
        assert (figures["production_productionorder"].rejected, figures["production_mold"].rejected) == (2, 0)

        # once 4D sends readable values again, the rows are published with 4D's values
        proxy.values.clear()
        server.update("Werksauftraege", keys=[garbled_number, garbled_date])
        healed = legacy_sync(only=only, settings=sync_settings)
        assert run_rejects(url, healed.run_id) == set()
        now = {r["__KEY"]: r for r in server.rows("Werksauftraege")}
        for key in (garbled_number, garbled_date):
            assert query(
                url,
                "select quantity, (planned_date at time zone 'Europe/Berlin')::date "
                "from pyerp.production_productionorder where legacy_key = %s",
                (key,),
            ) == [(now[key]["Stückzahl"], parse_legacy_date(now[key]["Termin"]))]


def keys_per_page(log: Iterable[tuple[str, str, list[str]]], table: str) -> list[list[str]]:
    return [keys for path, query_text, keys in log if path == f"/rest/{table}" and "Bezeichnung" in query_text]


def test_a_key_repeated_in_a_page_lands_once(create_database, tmp_path: Path) -> None:
    with EmulatorServer(scale=SCALE, seed=SEED) as server, running(DriftProxy(server)) as proxy:
        url = create_database()
        molds = [r["__KEY"] for r in sorted_rows(server, "Formen")]
        assert len(molds) == 6
        # pages of five: the first page with its repeat has six entries, as many as 4D's __COUNT of the selection
        server.faults.update(top_cap=5)
        proxy.duplicate.add(("Formen", molds[2]))
        sync_settings = settings(proxy.base_url, url, tmp_path / "home")
        legacy_sync(full=True, only=["production_mold"], settings=sync_settings)
        first_page = keys_per_page(proxy.log, "Formen")[0]
        assert len(first_page) == 6 and Counter(first_page)[molds[2]] == 2  # the repeat was really sent

        def landed() -> Counter:
            return Counter(key for (key,) in query(url, 'select "__KEY" from legacy_raw.formen'))

        def published() -> Counter:
            return Counter(key for (key,) in query(url, "select legacy_uuid from pyerp.production_mold"))

        assert landed() == published() == Counter(molds)  # once each, and the sixth mold was not skipped

        # an incremental run (merge, not the first load's append) with the changed row repeated
        proxy.duplicate = {("Formen", molds[0])}
        server.update("Formen", keys=[molds[0]])
        report = legacy_sync(only=["production_mold"], settings=sync_settings)
        assert Counter(keys_per_page(proxy.log, "Formen")[-1])[molds[0]] == 2
        assert landed() == published() == Counter(molds)
        assert report.entities[0].updated == 1
        sperre = next(r["Sperre"] for r in server.rows("Formen") if r["__KEY"] == molds[0])
        assert query(url, "select is_active from pyerp.production_mold where legacy_uuid = %s", (molds[0],)) == [
            (not sperre,)
        ]


ONLY_ORDERS = ["production_productionorderitem", "production_mold", "products_variantproduct"]  # and what they need


def change_4d(server: EmulatorServer, read: list[str], unread: list[str]) -> None:
    """The business activity of the paging test: the same calls in both worlds give the same rows."""
    server.update("Werksauftraege", keys=[read[0], unread[-1]])
    positions = sorted_rows(server, "WerksauftrPos")
    server.update("WerksauftrPos", keys=[positions[1]["__KEY"], positions[-2]["__KEY"]])  # touches their orders
    server.insert("Werksauftraege", count=2)  # with positions
    server.delete("Werksauftraege", keys=[read[1]])  # with its positions
    server.update("Artikel_Familie", count=2)


def test_rows_changing_while_the_run_pages_converge_on_the_next_run(create_database, tmp_path: Path) -> None:
    """Two worlds with the same 4D data and the same changes: in one the changes happen while the full run pages
    through the production orders (two of their five pages read), in the other between the full and the
    incremental run."""

    def world(during_paging: bool) -> tuple[str, Content, str]:
        with EmulatorServer(scale=SCALE, seed=SEED) as server, running(DriftProxy(server)) as proxy:
            server.faults.update(top_cap=5)  # Werksauftraege: five pages, WerksauftrPos: fifteen
            orders = [r["__KEY"] for r in sorted_rows(server, "Werksauftraege")]
            assert len(orders) == 25
            read, unread = orders[1:3], orders[-3:]  # in the first page, in the last
            url = create_database()
            sync_settings = settings(proxy.base_url, url, tmp_path / ("paged" if during_paging else "between"))
            later_pages: list[str] = []

            def on_request(number: int, path: str, query_text: str) -> None:
                if path == "/rest/Werksauftraege" and "UID >" in query_text:
                    later_pages.append(query_text)
                    if len(later_pages) == 2:  # before the third page: pages one and two are landed already
                        change_4d(server, read, unread)

            if during_paging:
                proxy.on_request = on_request
            full = legacy_sync(full=True, only=ONLY_ORDERS, settings=sync_settings)
            after_full = pyerp_content(url)
            if during_paging:
                assert len(later_pages) >= 4  # the changes happened mid-table
                proxy.on_request = None
            else:
                change_4d(server, read, unread)
            legacy_sync(only=ONLY_ORDERS, settings=sync_settings)
            (run,) = [r for r in list_runs(psycopg2.connect(url), 2) if r.run_id == full.run_id]
            assert run.status == "succeeded"
            return url, after_full, read[1]

    paged_url, paged_after_full, deleted = world(during_paging=True)
    between_url, _, _ = world(during_paging=False)
    paged, between = pyerp_content(paged_url), pyerp_content(between_url)
    assert differences(paged_after_full, between)  # the full run alone did not see every change

    # One difference is by design: the order 4D deleted mid-run was read (and published) before, but its positions
    # were deleted before the run reached WerksauftrPos, so they never reached pyERP; in the other world they were
    # published and, deleted later, are kept as pyERP keeps every deleted order position (reported, not removed).
    def of_deleted(item: tuple) -> bool:
        return dict(item)["production_order_id"] == ("→", "production_productionorder", (deleted,))

    items = "production_productionorderitem"
    unseen = [item for item in between[items] if of_deleted(item)]
    assert unseen and not [item for item in paged[items] if of_deleted(item)]
    expected = {**between, items: [item for item in between[items] if not of_deleted(item)]}
    assert not differences(paged, expected), differences(paged, expected)
    assert len(expected[items]) > 50 and len(expected["production_productionorder"]) == 27  # 25, 2 inserted
