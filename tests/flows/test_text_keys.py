"""End to end: a 4D server that serves its numbered keys as 32-hex UUID strings (issue 13, item 5).

4D allows a UUID primary key (4d-rest-api.md §3.3), and an independent 4D server served ``ID_Lagerort`` that way:
every storage location was rejected as ``missing_key`` because a key was cast to a number on the way. Here the
emulator serves the keys of the inventory, sales and production tables as UUIDs (``uuid_keys``; every reference to
them holds the referenced row's UUID), a proxy makes a few keys unusual (padded with blanks, a key that is no UUID
and no number) and leaves some boxes with their location only in ``data_.Stamm_Lagerort``; one full sync must
publish every row with its key as 4D sent it (trimmed) and resolve every reference, and reject nothing for a key.
Expectations come from the emulator's rows, never from the SQL under test.
"""

from __future__ import annotations

import contextlib

import orjson
import psycopg2
import pytest

from emulator import EmulatorServer
from emulator.keys import UUID_KEY_FIELDS
from flows.settings import Settings
from flows.sync import legacy_sync
from tests.drift_proxy import DriftProxy, running

pytestmark = pytest.mark.integration

SCALE = 0.01
SEED = 7
# pyERP's employee_number is varchar(20): a 32-char UUID Pers_Nr cannot be published there, so Personal keeps numbers.
UUID_TABLES = sorted(set(UUID_KEY_FIELDS) - {"Personal"})
UNUSUAL_KEY = "Lager 17/A"  # present, neither a number nor a UUID
KEY_REASONS = {"missing_key", "unreadable_value", "missing_box", "missing_order_number", "missing_mold_number"}


def query(url: str, statement: str) -> list[tuple]:
    with contextlib.closing(psycopg2.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(statement)
        return cur.fetchall()


def data_of(row: dict) -> dict:
    value = row["data_"]
    return orjson.loads(value) if isinstance(value, str) else value or {}


@pytest.fixture(scope="module")
def text_key_world(create_database, tmp_path_factory: pytest.TempPathFactory):
    with (
        EmulatorServer(scale=SCALE, seed=SEED, uuid_keys=UUID_TABLES) as server,
        running(DriftProxy(server)) as proxy,
    ):
        locations = sorted(server.rows("Stamm_Lagerorte"), key=lambda row: row["__KEY"])
        unusual, padded = locations[0], locations[1]
        proxy.values[("Stamm_Lagerorte", unusual["__KEY"], "ID_Lagerort")] = f"  {UNUSUAL_KEY} "
        proxy.values[("Stamm_Lagerorte", padded["__KEY"], "ID_Lagerort")] = f" {padded['ID_Lagerort']}\t"
        # boxes that name their location only in data_ (by ID_Lagerort), not by UUID_Stamm_Lagerorte or Relation_93
        by_data = [
            box["__KEY"]
            for box in sorted(server.rows("Stamm_Lager_Schuetten"), key=lambda row: row["__KEY"])
            if data_of(box).get("Stamm_Lagerort") not in (None, unusual["ID_Lagerort"])
        ][:3]
        for key in by_data:
            proxy.values[("Stamm_Lager_Schuetten", key, "UUID_Stamm_Lagerorte")] = ""
            proxy.values[("Stamm_Lager_Schuetten", key, "Relation_93")] = None
        url = create_database()
        settings = Settings(
            database_url=url,
            target_schema="pyerp",
            home=tmp_path_factory.mktemp("text-keys-home"),
            legacy_url=proxy.base_url,
            legacy_username=None,
        )
        report = legacy_sync(full=True, settings=settings)
        served_id = {row["__KEY"]: row["ID_Lagerort"] for row in locations}
        served_id[unusual["__KEY"]] = UNUSUAL_KEY
        yield server, url, report, served_id, set(by_data)


def test_every_storage_location_is_published_with_its_key_as_sent(text_key_world) -> None:
    server, url, report, served_id, _ = text_key_world
    assert len(served_id) == len(list(server.rows("Stamm_Lagerorte"))) > 5
    published = {row[0] for row in query(url, "select legacy_id from pyerp.inventory_storagelocation")}
    assert published == set(served_id.values())
    assert UNUSUAL_KEY in published and sum(len(key) == 32 for key in published) == len(published) - 1
    figures = {r.entity: r for r in report.entities}
    assert (figures["inventory_storagelocation"].created, figures["inventory_storagelocation"].rejected) == (
        len(served_id),
        0,
    )


def test_boxes_product_storage_slots_and_contents_resolve_their_references(text_key_world) -> None:
    server, url, _, served_id, by_data = text_key_world
    id_of_location = {row["ID_Lagerort"]: served_id[row["__KEY"]] for row in server.rows("Stamm_Lagerorte")}
    expected_boxes = {}
    for box in server.rows("Stamm_Lager_Schuetten"):
        if box["__KEY"] in by_data:
            expected_boxes[box["ID"]] = id_of_location[data_of(box)["Stamm_Lagerort"]]
        else:
            expected_boxes[box["ID"]] = served_id.get(box["UUID_Stamm_Lagerorte"])
    boxes = dict(
        query(
            url,
            "select b.legacy_id, l.legacy_id from pyerp.inventory_box b "
            "left join pyerp.inventory_storagelocation l on l.id = b.storage_location_id",
        )
    )
    assert boxes == expected_boxes
    assert sum(location is not None for location in boxes.values()) > len(boxes) / 2
    assert {boxes[box["ID"]] for box in server.rows("Stamm_Lager_Schuetten") if box["__KEY"] in by_data} <= set(
        served_id.values()
    )

    storages = dict(
        query(
            url,
            "select s.legacy_id, l.legacy_id from pyerp.inventory_productstorage s "
            "join pyerp.inventory_storagelocation l on l.id = s.storage_location_id",
        )
    )
    served_storages = {row["UUID"]: served_id[row["UUID_Stamm_Lagerorte"]] for row in server.rows("Artikel_Lagerorte")}
    assert storages and all(served_storages[key] == location for key, location in storages.items())
    (unplaced,) = query(url, "select count(*) from pyerp.inventory_productstorage where storage_location_id is null")
    assert unplaced == (0,)

    slots = dict(
        query(
            url,
            "select s.legacy_id, b.legacy_id from pyerp.inventory_boxslot s "
            "join pyerp.inventory_box b on b.id = s.box_id",
        )
    )
    served_slots = {row["ID"]: row["ID_Lager_Schuetten_Slots"] for row in server.rows("Stamm_Lager_Schuetten_Slots")}
    assert slots and all(served_slots[key] == box for key, box in slots.items())
    assert len(slots) >= len(served_slots) - 2  # at most the generator's chance duplicates of a slot code

    contents = {row[0] for row in query(url, "select legacy_id from pyerp.inventory_boxstorage")}
    served_contents = {row["ID"] for row in server.rows("Lager_Schuetten")}
    assert contents and contents <= served_contents and all(len(key) == 32 for key in contents)


def test_sales_and_production_rows_are_published_under_their_uuid_keys(text_key_world) -> None:
    server, url, _, _, _ = text_key_world
    planted = {e["key"] for e in server.manifest if e["severity"] == "error"}
    records = {row[0] for row in query(url, "select legacy_id from pyerp.sales_salesrecord")}
    assert records == {row["AbsNr"] for row in server.rows("Belege")}
    items = set(
        query(
            url,
            "select r.legacy_id, i.position from pyerp.sales_salesrecorditem i "
            "join pyerp.sales_salesrecord r on r.id = i.sales_record_id",
        )
    )
    assert items == {(r["AbsNr"], r["PosNr"]) for r in server.rows("Belege_Pos") if r["__KEY"] not in planted}
    customers = {row[0] for row in query(url, "select customer_number from pyerp.sales_customer")}
    assert customers == {row["KundenNr"] for row in server.rows("Kunden")}
    with_customer = dict(
        query(
            url,
            "select r.legacy_id, c.customer_number from pyerp.sales_salesrecord r "
            "join pyerp.sales_customer c on c.id = r.customer_id",
        )
    )
    served_customers = {row["AbsNr"]: row["KundenNr"] for row in server.rows("Belege")}
    assert with_customer and all(served_customers[record] == number for record, number in with_customer.items())
    assert len(with_customer) == sum(number in customers for number in served_customers.values())

    orders = {row[0] for row in query(url, "select order_number from pyerp.production_productionorder")}
    assert orders == {row["WerkAufNr"] for row in server.rows("Werksauftraege")}
    order_items = dict(
        query(
            url,
            "select i.legacy_key, o.order_number from pyerp.production_productionorderitem i "
            "join pyerp.production_productionorder o on o.id = i.production_order_id",
        )
    )
    assert order_items == {row["__KEY"]: row["W_Auftr_Nr"] for row in server.rows("WerksauftrPos")}
    molds = {row[0] for row in query(url, "select legacy_form_nr from pyerp.production_mold")}
    assert molds == {row["FormNr"] for row in server.rows("Formen")}
    mold_products = dict(
        query(
            url,
            "select p.legacy_uuid, m.legacy_form_nr from pyerp.production_moldproduct p "
            "join pyerp.production_mold m on m.id = p.mold_id",
        )
    )
    served_mold_products = {row["__KEY"]: row["FormNr"] for row in server.rows("Form_Artikel")}
    assert mold_products and all(served_mold_products[key] == mold for key, mold in mold_products.items())


def test_no_row_is_rejected_for_its_key(text_key_world) -> None:
    server, url, report, _, _ = text_key_world
    reasons = set(query(url, "select distinct entity, reason from pyerp_sync.rejects"))
    assert not {(entity, reason) for entity, reason in reasons if reason in KEY_REASONS}
    planted_reasons = {e["reason"] for e in server.manifest}
    # what is left: the planted defects and the generator's chance uniqueness collisions (with their dependants)
    # invalid_email: an umlaut before the @ (pyERP's EmailField refuses it), a warning, no key reason
    allowed = planted_reasons | {"duplicate_key", "missing_product_storage", "invalid_email"}
    assert {reason for _, reason in reasons} <= allowed
    assert all(r.rejected == 0 for r in report.entities if r.entity in ("inventory_storagelocation", "inventory_box"))
