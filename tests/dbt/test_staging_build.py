"""dbt build of the staging layer against raw tables shaped like the extract's, with realistic legacy rows.

One build per module (it runs the staging unit tests, the data tests and the singular tests too); the tests then
read the staging views. Values come from the legacy quirks of legacy-tables.md: unpadded, padded and empty
``d!m!yyyy`` dates, two-digit years, booleans and numbers in several spellings, padded text, ``Preise`` objects
(also as a JSON string), DM amounts, CR-separated address blocks, country spellings and deferred relations.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import psycopg2
import psycopg2.extras
import pytest
import yaml

from tests.dbt.conftest import DbtProject, dbt_project_for, insert_raw_rows

pytestmark = pytest.mark.integration

STAGING_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "staging" / "legacy_4d"
# Staging plus the source nodes, so that tests reading a source and a staging model (the singular date test) are
# selected; cautious, so that tests of later layers which merely reference a staging model are not.
BUILD_STAGING = ("build", "--select", "staging", "source:legacy_4d", "--indirect-selection", "cautious")


def preise(*entries: tuple[str, object, object]) -> str:
    """A Preise object as the extract lands it: JSON text."""
    return json.dumps({"Coll": [{"Art": art, "Preis": price, "VE": unit} for art, price, unit in entries]})


def deferred(table: str, key: str) -> str:
    return json.dumps({"__deferred": {"uri": f"/rest/{table}({key})", "__KEY": key}})


RAW_ROWS: dict[str, list[dict[str, object]]] = {
    "artikel_familie": [
        {"__KEY": "FAM1", "Nummer": "915530", "Bezeichnung": "Obstkorb    rund", "Gewicht": "1200",
         "Masse_Breite": "120.5", "Masse_Hoehe": "", "Haengend": "false", "Neu": " Y ", "aktiv": "true",
         "Release_date": "4!6!1992", "modified_date": "15!04!2024", "modified_time": "36000"},
        {"__KEY": "FAM2", "Nummer": "#128052", "Bezeichnung": "   ", "Gewicht": "-50", "Neu": "0",
         "aktiv": "false", "Release_date": "0!0!0", "_is_deleted": True},
    ],
    "artikel_variante": [
        {"__KEY": "VAR1", "Nummer": "803721", "alteNummer": "11400-BE", "fk_ArtNr": "11400", "ArtikelArt": "BE",
         "refOld": "4711", "Familie_": "FAM1", "Bezeichnung": "Obstkorb rund beige", "Verkaufsartikel": "1",
         "Aktiv": "true", "Release_date": "15!04!1985", "Release_Date": None, "Auslaufdatum": "0!0!0",
         "Preise": preise(("Laden", 39.5, 1), ("Handel", 19.745, 6), ("Empf.", 42.0, 1), ("Einkauf", 9.9, 12))},
        {"__KEY": "VAR2", "Nummer": "803722.0", "alteNummer": "3411-BL", "Familie_": "NOSUCHFAMILY",
         "Verkaufsartikel": "0", "Aktiv": "false", "Release_date": None, "Release_Date": "1!2!2003",
         "Preise": json.dumps(json.dumps({"Coll": [{"Art": "Laden", "Preis": 12.345, "VE": 2}]}))},
        {"__KEY": "VAR3", "Nummer": "-803723", "alteNummer": "9305BUE-BE", "Preise": None},
    ],
    "adressen": [
        {"__KEY": "ADR1", "AdrNr": "2001", "Name2": "Blumen  Müller GmbH", "Land": "Deutschland",
         "e_Mail": " Info@Blumen-Mueller.DE ", "PLZ": "04109"},
        {"__KEY": "ADR2", "AdrNr": "2002", "Land": "Österreich", "e_Mail": "keine"},
        {"__KEY": "ADR3", "AdrNr": "2003", "Land": "France", "e_Mail": ""},
    ],
    "belege": [
        {"__KEY": "BEL1", "AbsNr": "2572", "Papierart": "R", "KundenNr": "1800028", "Datum": "4!6!1992",
         "PapierNr": "11418", "MWSt_Art": "JA", "Netto": "1577.9", "MWST_EUR": "221.73", "Endbetrag": "1805.53",
         "Lief_Adr": "Blumen Müller GmbH\rHauptstraße 1\r86911 Dießen", "Rech_Adr": "Blumen Müller GmbH\\rPostfach 12",
         "ZahlungBetrag": "894.1", "ZahlungsDat": "20!10!2014", "bezahlt": "true", "Währung": "DM"},
        {"__KEY": "BEL2", "AbsNr": "2573", "Papierart": "A", "Datum": "31!2!2020", "Währung": "EUR",
         "Netto": "1,234.56", "bezahlt": "false"},
    ],
    "belege_pos": [
        {"__KEY": "POS1", "AbsNr": "2572", "PosNr": "4", "ArtNr": "9462-BE", "Bezeichnung": "Obstkorb    rund",
         "Menge": "1.0", "Preis": "24.5", "Rabatt": "0.0", "Pos_Betrag": "24.5", "Art": "L", "Pick_Menge": "0.0",
         "Picking_ok": "false", "PreOrder": "false", "Termin": "0!0!0"},
    ],
    "kunden": [
        {"__KEY": "KUN1", "KundenNr": "1800028", "AdrNr": "2001", "Kreditlimit": "5,000.00", "Liefersperre": "NO",
         "SkontoTage": "8", "NettoTage": "30"},
    ],
    "stamm_lager_schuetten": [
        {"__KEY": "BOX1", "ID": "4711", "Schuettencode": "SC4711", "Druckdatum": "03!11!24", "Druckzeit": "45296",
         "Relation_93": deferred("Stamm_Lagerorte", "LOC1"), "UUID_Stamm_Lagerorte": "LOC1",
         "data_": json.dumps({"Anzahl_Schuetteneinheiten": 2})},
    ],
    "lager_schuetten": [
        {"__KEY": "CNT1", "ID": "1", "ID_Stamm_Lager_Schuetten": "4711", "Ablaufdatum": "31.12.2025",
         "Menge": "24.0", "Relation_95_zurueck": deferred("Stamm_Lager_Schuetten_Slots", "SLOT1")},
    ],
    "parameter": [
        {"__KEY": "PAR1", "scope": "Schüttentypen",
         "data_": json.dumps({"Schüttentypen": [{"Type": "FKE6320 Blau", "Slots": 4}]})},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def staging_build(raw_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DbtProject, object]]:
    conn = psycopg2.connect(raw_database)
    try:
        for resource, rows in RAW_ROWS.items():
            insert_raw_rows(conn, resource, rows)
    finally:
        conn.close()
    project = dbt_project_for(raw_database, tmp_path_factory.mktemp("dbt"))
    yield project, project.invoke(*BUILD_STAGING)


def query(url: str, sql: str) -> list[dict[str, object]]:
    with psycopg2.connect(url) as conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(sql)
        rows = [dict(row) for row in cur.fetchall()]
    conn.close()
    return rows


def test_dbt_build_of_staging_passes_unit_and_data_tests(staging_build) -> None:
    _, result = staging_build
    assert result.success, result.exception or [
        (r.node.name, r.status, r.message) for r in result.result if r.status not in ("success", "pass")
    ]
    kinds = {r.node.resource_type for r in result.result}
    assert {"model", "test", "unit_test"} <= {str(kind) for kind in kinds}
    names = {r.node.name for r in result.result}
    assert "assert_well_formed_raw_dates_are_parsed" in names


def test_product_variants_prices_skus_and_release_dates(staging_build) -> None:
    project, _ = staging_build
    rows = {
        row["legacy_key"]: row
        for row in query(project.database_url, "select * from legacy_staging.stg_legacy_4d__product_variants")
    }
    first, second, third = rows["VAR1"], rows["VAR2"], rows["VAR3"]
    assert (first["sku"], first["legacy_sku"], first["legacy_article_id"]) == ("803721", "11400-BE", "4711")
    assert (first["retail_price"], first["retail_unit"]) == (Decimal("39.50"), 1)
    assert (first["wholesale_price"], first["wholesale_unit"]) == (Decimal("19.75"), 6)  # half-up, not banker's
    assert (first["is_sales_article"], first["is_active"]) == (True, True)
    assert first["release_date"] == first["release_date_lower_d"] == date(1985, 4, 15)
    assert first["discontinuation_date"] is None
    # a Preise that 4D stored as a JSON string holding the object
    assert (second["retail_price"], second["retail_unit"], second["wholesale_price"]) == (Decimal("12.35"), 2, None)
    assert (second["sku"], second["sku_raw"]) == ("803722", "803722.0")
    assert (second["release_date_lower_d"], second["release_date_upper_d"]) == (None, date(2003, 2, 1))
    assert second["release_date"] == date(2003, 2, 1)
    assert (third["sku"], third["retail_price"], third["is_active"]) == ("-803723", None, None)


def test_product_families_text_flags_and_deletion_marker(staging_build) -> None:
    project, _ = staging_build
    rows = {
        row["legacy_key"]: row
        for row in query(project.database_url, "select * from legacy_staging.stg_legacy_4d__product_families")
    }
    assert rows["FAM1"]["product_name"] == "Obstkorb rund"
    assert (rows["FAM1"]["width_mm"], rows["FAM1"]["height_mm"]) == (Decimal("120.5"), None)
    assert (rows["FAM1"]["is_new"], rows["FAM1"]["is_hanging"], rows["FAM1"]["is_active"]) == (True, False, True)
    assert (rows["FAM1"]["release_date"], rows["FAM1"]["modified_date"]) == (date(1992, 6, 4), date(2024, 4, 15))
    assert rows["FAM1"]["modified_time"] == time(10, 0)
    assert (rows["FAM2"]["sku"], rows["FAM2"]["product_name"], rows["FAM2"]["weight_grams"]) == ("#128052", None, -50)
    assert (rows["FAM2"]["release_date"], rows["FAM2"]["is_deleted"]) == (None, True)


def test_sales_documents_keep_dem_amounts_and_normalise_address_text(staging_build) -> None:
    project, _ = staging_build
    rows = {
        row["legacy_key"]: row
        for row in query(project.database_url, "select * from legacy_staging.stg_legacy_4d__sales_documents")
    }
    dm = rows["BEL1"]
    assert (dm["currency_code"], dm["net_amount"], dm["total_amount"]) == ("DEM", Decimal("1577.9"), Decimal("1805.53"))
    assert (dm["document_date"], dm["payment_date"], dm["is_paid"]) == (date(1992, 6, 4), date(2014, 10, 20), True)
    assert dm["delivery_address_text"] == "Blumen Müller GmbH\nHauptstraße 1\n86911 Dießen"
    assert dm["billing_address_text"] == "Blumen Müller GmbH\nPostfach 12"  # a literal \r in the text
    impossible = rows["BEL2"]
    assert (impossible["document_date"], impossible["document_date_raw"]) == (None, "31!2!2020")
    assert (impossible["currency_code"], impossible["net_amount"]) == ("EUR", Decimal("1234.56"))
    [line] = query(project.database_url, "select * from legacy_staging.stg_legacy_4d__sales_document_lines")
    assert (line["sales_document_number"], line["position_number"], line["description"]) == ("2572", 4, "Obstkorb rund")
    assert (line["quantity"], line["line_amount"], line["due_date"]) == (Decimal("1.0"), Decimal("24.5"), None)


def test_addresses_customers_and_inventory_values(staging_build) -> None:
    project, _ = staging_build
    url = project.database_url
    # e-mails are trimmed and lower-cased, not judged: "keine" reaches the EmailField rule, which warns about it
    addresses = {row["legacy_key"]: row for row in query(url, "select * from legacy_staging.stg_legacy_4d__addresses")}
    assert [(addresses[k]["country_code"], addresses[k]["email"]) for k in ("ADR1", "ADR2", "ADR3")] == [
        ("DE", "info@blumen-mueller.de"), ("AT", "keine"), ("", None),
    ]  # fmt: skip
    assert (addresses["ADR1"]["company_name"], addresses["ADR1"]["postal_code"]) == ("Blumen Müller GmbH", "04109")
    [customer] = query(url, "select * from legacy_staging.stg_legacy_4d__customers")
    assert (customer["credit_limit"], customer["is_delivery_blocked"]) == (Decimal("5000.00"), False)
    [box] = query(url, "select * from legacy_staging.stg_legacy_4d__boxes")
    assert (box["printed_date"], box["printed_time"]) == (date(2024, 11, 3), time(12, 34, 56))
    assert (box["storage_location_relation_key"], box["box_data"]) == ("LOC1", {"Anzahl_Schuetteneinheiten": 2})
    [content] = query(url, "select * from legacy_staging.stg_legacy_4d__box_contents")
    assert (content["expiry_date"], content["box_slot_relation_key"]) == (date(2025, 12, 31), "SLOT1")
    [parameter] = query(url, "select * from legacy_staging.stg_legacy_4d__parameters")
    assert parameter["parameter_data"]["Schüttentypen"][0]["Slots"] == 4


def test_every_staging_view_has_exactly_the_documented_columns(staging_build) -> None:
    """The yml next to each model documents every column the view has, in the view's order, and nothing else."""
    project, _ = staging_build
    actual: dict[str, list[str]] = {}
    for row in query(
        project.database_url,
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'legacy_staging' and table_name like 'stg_legacy_4d__%' order by ordinal_position",
    ):
        actual.setdefault(str(row["table_name"]), []).append(str(row["column_name"]))
    documented = {}
    for path in STAGING_DIR.glob("stg_legacy_4d__*.yml"):
        [model] = yaml.safe_load(path.read_text())["models"]
        documented[model["name"]] = [column["name"] for column in model["columns"]]
    assert actual == documented


# Every legacy identifier the staging layer exposes: a key, a reference to another row, or a business number rows are
# matched by. A 4D server may serve any of them as a 32-hex UUID string (issue 13 item 5), so none may be a number.
IDENTIFIER_COLUMNS: dict[str, tuple[str, ...]] = {
    "addresses": ("address_number",),
    "box_contents": ("legacy_id", "box_legacy_id", "product_stock_location_legacy_uuid"),
    "box_slots": ("legacy_id", "box_legacy_id", "order_number"),
    "boxes": ("legacy_id", "storage_location_legacy_key"),
    "customers": ("customer_number", "address_number"),
    "employees": ("employee_number",),
    "mold_products": ("mold_number",),
    "molds": ("mold_number",),
    "product_stock_locations": ("legacy_uuid", "legacy_article_id", "storage_location_legacy_key", "order_number"),
    "product_variants": ("product_family_legacy_key", "legacy_article_id", "sku"),
    "production_order_lines": (
        "legacy_uuid", "production_order_number", "cost_center_legacy_key", "mold_product_legacy_key",
    ),
    "production_orders": ("legacy_uuid", "production_order_number", "mold_number", "mold_legacy_key"),
    "sales_document_lines": ("sales_document_number",),
    "sales_documents": ("sales_document_number", "printed_document_number", "customer_number", "clerk_number"),
    "storage_locations": ("legacy_id",),
}  # fmt: skip


def test_every_identifier_is_a_text_column(staging_build) -> None:
    project, _ = staging_build
    types = {
        (str(row["table_name"]), str(row["column_name"])): row["data_type"]
        for row in query(
            project.database_url,
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'legacy_staging' and table_name like 'stg_legacy_4d__%'",
        )
    }
    wanted = {(f"stg_legacy_4d__{model}", name) for model, names in IDENTIFIER_COLUMNS.items() for name in names}
    assert {key: types.get(key) for key in wanted} == dict.fromkeys(wanted, "text")
