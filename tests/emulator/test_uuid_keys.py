"""``uuid_keys`` / ``--uuid-keys``: chosen tables' numbered keys served as 32-hex UUID strings, consistently.

4d-rest-api.md §3.3 allows it (``__KEY`` is the key as text: ``"1"`` or a 32-char upper-case hex UUID); a real 4D
server serves ``ID_Lagerort`` that way. The key field then holds the row's own UUID key, every reference to it the
referenced row's UUID, the catalog types them as text, and filters, mutations and the default dataset behave.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import orjson
import pytest
import requests

from emulator import EmulatorServer
from emulator.dataset import generate_dataset
from emulator.keys import LOOSE_REFERENCES, OBJECT_REFERENCES, UUID_KEY_FIELDS, uuid_key_tables
from emulator.schema import REFERENCES

from .conftest import rest

UUID = re.compile(r"^[0-9A-F]{32}$")


def _object(value) -> dict:
    return orjson.loads(value) if isinstance(value, str) else value or {}


@pytest.fixture(scope="module")
def uuid_server():
    with EmulatorServer(scale=0.01, seed=42, max_sessions=50, uuid_keys="all") as running:
        yield running


def test_the_default_dataset_is_unchanged() -> None:
    plain, chosen_none = generate_dataset(seed=4, scale=0.01), generate_dataset(seed=4, scale=0.01, uuid_keys=())
    assert plain.rows == chosen_none.rows and plain.tables == chosen_none.tables
    assert all(isinstance(row[3 + 1], int) for row in plain.rows["Stamm_Lagerorte"])  # ID_Lagerort stays a number


def test_key_fields_hold_the_rows_uuid_and_are_typed_text(uuid_server: EmulatorServer, client) -> None:
    catalog = client.get(rest(uuid_server, "$catalog/$all")).json()
    types = {(dc["name"], a["name"]): a["type"] for dc in catalog["dataClasses"] for a in dc["attributes"]}
    for table, field in UUID_KEY_FIELDS.items():
        rows = list(uuid_server.rows(table))
        assert rows and all(row[field] == row["__KEY"] and UUID.match(row[field]) for row in rows), table
        assert types[(table, field)] == "string", table


def test_every_reference_holds_the_referenced_rows_uuid(uuid_server: EmulatorServer) -> None:
    defective = {(e["table"], e["key"]) for e in uuid_server.manifest}
    links = [(r.child, r.attribute, r.parent, r.parent_attribute) for r in REFERENCES]
    links += list(LOOSE_REFERENCES)
    checked = 0
    for child, attribute, parent, key in links:
        if UUID_KEY_FIELDS.get(parent) != key:
            continue
        present = {row[key] for row in uuid_server.rows(parent)}
        for row in uuid_server.rows(child):
            value = row[attribute]
            assert isinstance(value, str) and UUID.match(value), (child, attribute, value)
            planted = (child, row["__KEY"]) in defective
            loose = (child, attribute) == ("Belege", "Bearbeiter")  # clerks need not be on the staff table
            assert value in present or planted or loose, (child, attribute, value)
            checked += value in present
    for child, attribute, prop, parent, key in OBJECT_REFERENCES:
        present = {row[key] for row in uuid_server.rows(parent)}
        values = [_object(row[attribute]).get(prop) for row in uuid_server.rows(child)]
        assert all(value is None or value in present for value in values), (child, prop)
        checked += sum(value in present for value in values)
    assert checked > 1_000


def test_orphans_stay_orphans(uuid_server: EmulatorServer) -> None:
    records = {row["AbsNr"] for row in uuid_server.rows("Belege")}
    orphans = {e["key"] for e in uuid_server.manifest if e["reason"] == "missing_sales_record"}
    lines = {row["__KEY"]: row["AbsNr"] for row in uuid_server.rows("Belege_Pos")}
    assert orphans and all(UUID.match(lines[key]) and lines[key] not in records for key in orphans)
    customers = {row["KundenNr"] for row in uuid_server.rows("Kunden")}
    unknown = {e["key"] for e in uuid_server.manifest if e["reason"] == "unknown_customer"}
    by_key = {row["__KEY"]: row["KundenNr"] for row in uuid_server.rows("Belege")}
    assert unknown and all(by_key[key] not in customers for key in unknown)


def test_filters_on_uuid_keys_are_text_comparisons(uuid_server: EmulatorServer, client) -> None:
    records = sorted(uuid_server.rows("Belege"), key=lambda row: row["AbsNr"])[:3]
    numbers = [row["AbsNr"] for row in records]
    listed = ",".join(f"'{number.lower()}'" for number in numbers)  # 4D compares text case-insensitively
    body = client.get(rest(uuid_server, "Belege_Pos"), params={"$filter": f"AbsNr IN [{listed}]", "$top": 10_000})
    got = sorted(entity["__KEY"] for entity in body.json()["__ENTITIES"])
    assert got and got == sorted(r["__KEY"] for r in uuid_server.rows("Belege_Pos") if r["AbsNr"] in numbers)
    by_location = client.get(
        rest(uuid_server, "Stamm_Lagerorte"), params={"$filter": f"ID_Lagerort = '{records[0]['__KEY']}'"}
    ).json()
    assert by_location["__COUNT"] == 0  # a sales record's key is no location's


def test_inserted_copies_keep_keys_and_references_consistent() -> None:
    with EmulatorServer(scale=0.01, seed=9, uuid_keys=["Stamm_Lager_Schuetten", "Belege", "Kunden", "Adressen"]) as s:
        changes = s.insert("Stamm_Lager_Schuetten", count=1)
        s.insert("Belege", count=1)
        s.insert("Kunden", count=1)
        boxes = {row["__KEY"]: row for row in s.rows("Stamm_Lager_Schuetten")}
        [box_key] = changes.inserted["Stamm_Lager_Schuetten"]
        assert boxes[box_key]["ID"] == box_key
        slots = [row for row in s.rows("Stamm_Lager_Schuetten_Slots") if row["ID_Lager_Schuetten_Slots"] == box_key]
        assert len(slots) == len(changes.inserted.get("Stamm_Lager_Schuetten_Slots", [])) > 0
        for table in s.store.uuid_keys:
            field = UUID_KEY_FIELDS[table]
            assert all(row[field] == row["__KEY"] for row in s.rows(table)), table
        assert all(isinstance(row["Pers_Nr"], int) for row in s.rows("Personal"))  # not chosen: still a number
        addresses = {row["AdrNr"] for row in s.rows("Adressen")}
        assert all(row["AdrNr"] in addresses for row in s.rows("Kunden"))
        records = {row["AbsNr"] for row in s.rows("Belege")}
        defective = {e["key"] for e in s.manifest}
        assert all(row["AbsNr"] in records for row in s.rows("Belege_Pos") if row["__KEY"] not in defective)


def test_unknown_tables_are_refused_clearly() -> None:
    assert uuid_key_tables("Stamm_Lagerorte, Belege") == {"Stamm_Lagerorte", "Belege"}
    assert uuid_key_tables("all") == set(UUID_KEY_FIELDS)
    with pytest.raises(ValueError, match="Artikel_Variante"):
        EmulatorServer(uuid_keys=["Artikel_Variante"])


def test_cli_flag_serves_uuid_keys() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--scale", "0.01", "--uuid-keys", "Stamm_Lagerorte,Formen"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = process.stdout.readline()
        match = re.search(r"listening on (http://\S+)/rest .*UUID keys in Formen,Stamm_Lagerorte", line)
        assert match, line
        body = requests.get(f"{match[1]}/rest/Stamm_Lagerorte", params={"$top": 5}, timeout=5).json()
        assert all(e["ID_Lagerort"] == e["__KEY"] and UUID.match(e["ID_Lagerort"]) for e in body["__ENTITIES"])
        status = requests.get(f"{match[1]}/_admin/status", timeout=5).json()
        assert status["uuid_keys"] == ["Formen", "Stamm_Lagerorte"]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    bad = subprocess.run(
        [sys.executable, "-m", "emulator", "--port", "0", "--uuid-keys", "Nope"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "Nope" in bad.stderr
