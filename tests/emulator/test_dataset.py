"""The generated dataset: sizes, determinism, relations, legacy quirks, planted defects and the manifest."""

from __future__ import annotations

import collections
import re

import pytest
import requests

from emulator import EmulatorServer
from emulator.dataset import generate_dataset
from emulator.defects import DefectRates
from emulator.schema import REFERENCES, TABLES, TABLES_BY_NAME

from .conftest import rest

SCALE_1_ROWS = {
    "ArtikelGruppe": 40, "Artikel_Familie": 1_600, "Artikel_Variante": 4_300, "Kunden": 20_000, "Adressen": 21_000,
    "Belege": 100_000, "Belege_Pos": 400_000, "Personal": 150, "Stamm_Lagerorte": 923, "parameter": 12,
    "Stamm_Lager_Schuetten": 4_200, "Stamm_Lager_Schuetten_Slots": 4_600, "Artikel_Lagerorte": 3_100,
    "Lager_Schuetten": 6_000, "Werksauftraege": 5_000, "WerksauftrPos": 15_000, "Formen": 800, "Form_Artikel": 2_500,
}  # fmt: skip
AUDIT = ("created_name", "created_date", "created_time", "modified_name", "modified_date", "modified_time")
NO_AUDIT = {"Belege_Pos", "WerksauftrPos", "Stamm_Lager_Schuetten_Slots", "Form_Artikel"}


def test_row_counts_follow_the_scale() -> None:
    assert {t.name: t.row_count(1) for t in TABLES} == SCALE_1_ROWS
    assert all(t.row_count(0.0001) >= 1 for t in TABLES)
    assert TABLES_BY_NAME["Belege_Pos"].row_count(5) == 2_000_000


def test_every_table_is_served_with_its_rows(server: EmulatorServer, client: requests.Session) -> None:
    for table in TABLES:
        body = client.get(rest(server, table.name), params={"$top": 1}).json()
        assert body["__COUNT"] == table.row_count(0.01), table.name


def test_audit_columns_on_every_table_but_the_child_tables(server: EmulatorServer) -> None:
    for table in TABLES:
        row = next(server.rows(table.name))
        assert all(name in row for name in AUDIT) == (table.name not in NO_AUDIT), table.name
        assert "UID" in row and row["UID"] == row["__KEY"]


def test_same_seed_same_bytes_other_seed_other_bytes(make_server) -> None:
    first, second, other = make_server(seed=7), make_server(seed=7), make_server(seed=8)
    url = "Belege_Pos?$top=1000&$skip=500"
    bodies = [requests.get(rest(s, url)).content for s in (first, second, other)]
    assert bodies[0] == bodies[1] != bodies[2]
    catalogs = [requests.get(rest(s, "$catalog/$all")).content for s in (first, second)]
    assert catalogs[0] == catalogs[1]


def test_relations_resolve_except_for_planted_defects() -> None:
    dataset = generate_dataset(seed=3, scale=0.02)
    defective = {(e["table"], e["key"]) for e in dataset.manifest}
    for reference in REFERENCES:
        parent_table, child_table = TABLES_BY_NAME[reference.parent], TABLES_BY_NAME[reference.child]
        parent_index = 3 + parent_table.attribute_names.index(reference.parent_attribute)
        child_index = 3 + child_table.attribute_names.index(reference.attribute)
        present = {row[parent_index] for row in dataset.rows[reference.parent]}
        for row in dataset.rows[reference.child]:
            value = row[child_index]
            if value in (None, "") or (reference.child, row[0]) in defective:
                continue
            assert value in present, (reference, value)


def test_defective_rows_have_no_children() -> None:
    dataset = generate_dataset(seed=5, scale=0.05, defect_rates=DefectRates().scaled(10))
    defective = {(e["table"], e["key"]) for e in dataset.manifest}
    for reference in REFERENCES:
        parent_table, child_table = TABLES_BY_NAME[reference.parent], TABLES_BY_NAME[reference.child]
        parent_index = 3 + parent_table.attribute_names.index(reference.parent_attribute)
        child_index = 3 + child_table.attribute_names.index(reference.attribute)
        referenced = {row[child_index] for row in dataset.rows[reference.child]}
        identifies_row = reference.parent_attribute == "UID" or (
            parent_table.by_name[reference.parent_attribute].unique and reference.parent_attribute != "Nummer"
        )  # fk_ArtNr is shared by a family's variants; a duplicated Nummer is itself the defect
        for row in dataset.rows[reference.parent]:
            if (reference.parent, row[0]) in defective and identifies_row:
                assert row[parent_index] not in referenced, (reference, row[0])


def test_manifest_lists_each_planted_defect_once_at_the_rates() -> None:
    default = generate_dataset(seed=1, scale=1 / 10)
    tenfold = generate_dataset(seed=1, scale=1 / 10, defect_rates=DefectRates().scaled(10))
    count = collections.Counter((e["table"], e["reason"]) for e in default.manifest)
    assert count[("Adressen", "address_without_customer")] == 105  # 5 % of 2,100
    assert count[("Artikel_Variante", "orphan_parent")] == 9  # 2 % of 430, rounded up
    assert count[("Belege", "unknown_customer")] == 100
    assert count[("Belege_Pos", "missing_sales_record")] == 200
    ten = collections.Counter((e["table"], e["reason"]) for e in tenfold.manifest)
    assert ten[("Belege_Pos", "missing_sales_record")] == 2_000
    for manifest in (default.manifest, tenfold.manifest):
        assert len({(e["table"], e["key"]) for e in manifest}) == len(manifest)
        assert {e["severity"] for e in manifest if e["reason"] == "unknown_customer"} == {"warning"}
        assert {e["severity"] for e in manifest if e["reason"] != "unknown_customer"} == {"error"}
        assert all(set(e) == {"table", "key", "reason", "severity"} for e in manifest)


def test_manifest_entries_really_are_defective(server: EmulatorServer) -> None:
    rows = {t.name: {r["__KEY"]: r for r in server.rows(t.name)} for t in TABLES}
    sku = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-\.]*$")
    family_keys = set(rows["Artikel_Familie"])
    belege = {r["AbsNr"] for r in rows["Belege"].values()}
    customers = {r["KundenNr"] for r in rows["Kunden"].values()}
    addresses_used = {r["AdrNr"] for r in rows["Kunden"].values()}
    numbers = collections.Counter(r["Nummer"] for r in rows["Artikel_Familie"].values())
    checks = {
        "invalid_sku": lambda r: not sku.match(str(r["Nummer"])),
        "empty_name": lambda r: not r["Bezeichnung"].strip(),
        "negative_weight": lambda r: r["Gewicht"] < 0,
        "duplicate_key": lambda r: numbers[r["Nummer"]] == 2,
        "orphan_parent": lambda r: r["Familie_"] not in family_keys,
        "missing_sales_record": lambda r: r["AbsNr"] not in belege,
        "unknown_customer": lambda r: r["KundenNr"] not in customers,
        "address_without_customer": lambda r: r["AdrNr"] not in addresses_used,
    }
    assert server.manifest
    for entry in server.manifest:
        assert checks[entry["reason"]](rows[entry["table"]][entry["key"]]), entry
    planted = {(e["table"], e["key"]) for e in server.manifest}
    clean_addresses = [k for k, r in rows["Adressen"].items() if ("Adressen", k) not in planted]
    assert all(rows["Adressen"][k]["AdrNr"] in addresses_used for k in clean_addresses)


def test_manifest_over_admin_http(server: EmulatorServer) -> None:
    assert requests.get(f"{server.base_url}/_admin/manifest").json() == server.manifest


def test_legacy_value_quirks_are_present() -> None:
    dataset = generate_dataset(seed=42, scale=0.1)
    served = {t.name: [dict(zip(t.attribute_names, row[3:], strict=False)) for row in dataset.rows[t.name]]
              for t in TABLES}  # fmt: skip
    belege = served["Belege"]
    assert any(re.match(r"^\d{2}!\d{2}!\d{4}$", r["Datum"]) for r in belege)  # some zero-padded
    assert sum(bool(re.match(r"^\d{1,2}!\d{1,2}!\d{4}$", r["Datum"])) for r in belege) == len(belege)
    assert any(r["ZahlungsDat"] == "0!0!0" for r in belege)
    assert {r["Währung"] for r in belege if int(r["Datum"].split("!")[2]) < 2002} == {"DM"}
    assert {r["Währung"] for r in belege if int(r["Datum"].split("!")[2]) >= 2002} == {"EUR"}
    assert any("\r" in r["Lief_Adr"] for r in belege) and any("\\r" in r["Lief_Adr"] for r in belege)
    assert any("    " in r["Bezeichnung"] for r in served["Belege_Pos"])
    assert {"1", "TRUE", " Y ", "YES"} & {r["Liefersperre"] for r in served["Kunden"]}
    assert any("," in r["Kreditlimit"] for r in served["Kunden"])
    prices = [r["Preise"] for r in served["Artikel_Variante"]]
    assert any(isinstance(p, dict) and p["Coll"][0]["Art"] == "Laden" for p in prices)
    assert any(re.match(r"^\d{2}!\d{2}!\d{2}$", r["Druckdatum"]) for r in served["Stamm_Lager_Schuetten"])
    assert any(re.match(r"^\d{2}\.\d{2}\.\d{4}$", r["Ablaufdatum"]) for r in served["Lager_Schuetten"])
    assert any(r["Release_Date"] for r in served["Artikel_Variante"]) and "aktiv" in served["Artikel_Familie"][0]
    assert any(r["Beschreibung"] is None for r in served["Artikel_Familie"])
    (box_types,) = [r["data_"] for r in served["parameter"] if r["scope"] == "Schüttentypen"]
    assert len(box_types["Schüttentypen"]) == 49


def test_sales_totals_are_the_sum_of_their_lines() -> None:
    dataset = generate_dataset(seed=9, scale=0.01)
    head, line = TABLES_BY_NAME["Belege"].attribute_names, TABLES_BY_NAME["Belege_Pos"].attribute_names
    amounts = collections.defaultdict(float)
    for row in dataset.rows["Belege_Pos"]:
        values = dict(zip(line, row[3:], strict=False))
        amounts[values["AbsNr"]] += values["Pos_Betrag"]
    for row in dataset.rows["Belege"]:
        values = dict(zip(head, row[3:], strict=False))
        assert values["Netto"] == pytest.approx(amounts.get(values["AbsNr"], 0.0), abs=0.01)
        charges = values["Netto"] + values["MWST_EUR"] + values["Frachtkosten"] + values["Bearbeitungskos"]
        assert values["Endbetrag"] == pytest.approx(charges, abs=0.01)
