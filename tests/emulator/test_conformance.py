"""Fixed request -> expected response cases written from the examples in 4d-rest-api.md.

Part A gives the envelope, entity, error, catalog, session and deleted-record shapes; Part B the URLs pyERP's
earlier client sent to the production server. The expectations come from the document, not from the emulator.
"""

from __future__ import annotations

import re

import requests

from emulator import EmulatorServer

from .conftest import rest

ISO_MS_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
HEX32 = re.compile(r"^[0-9A-F]{32}$")
LEGACY_DATE = re.compile(r"^(0!0!0|\d{1,2}!\d{1,2}!\d{4})$")


# --- Part A §3.1 / §3.3: the collection envelope and the entity system keys -------------------------------------


def test_collection_envelope_has_the_documented_keys(server: EmulatorServer, client: requests.Session) -> None:
    body = client.get(rest(server, "Belege"), params={"$skip": 200, "$top": 100}).json()
    assert list(body) == ["__DATACLASS", "__entityModel", "__GlobalStamp", "__COUNT", "__FIRST", "__ENTITIES", "__SENT"]
    assert body["__DATACLASS"] == body["__entityModel"] == "Belege"
    assert body["__GlobalStamp"] == 0  # change tracking off, as on the production server
    assert (body["__COUNT"], body["__FIRST"], body["__SENT"]) == (1000, 200, 100)
    entity = body["__ENTITIES"][0]
    assert list(entity)[:3] == ["__KEY", "__TIMESTAMP", "__STAMP"]
    assert isinstance(entity["__KEY"], str) and HEX32.match(entity["__KEY"])
    assert ISO_MS_UTC.match(entity["__TIMESTAMP"])
    assert isinstance(entity["__STAMP"], int)
    assert entity["UID"] == entity["__KEY"]


def test_default_page_is_100_entities(server: EmulatorServer, client: requests.Session) -> None:
    body = client.get(rest(server, "Belege")).json()
    assert (body["__SENT"], len(body["__ENTITIES"]), body["__FIRST"]) == (100, 100, 0)


def test_skip_beyond_the_end_gives_an_empty_page(server: EmulatorServer, client: requests.Session) -> None:
    body = client.get(rest(server, "Belege"), params={"$skip": 5000}).json()
    assert body["__ENTITIES"] == [] and body["__SENT"] == 0 and body["__COUNT"] == 1000


def test_dates_are_unpadded_day_month_year_or_the_empty_date(server: EmulatorServer, client) -> None:
    body = client.get(rest(server, "Belege"), params={"$top": 300, "$attributes": "Datum,ZahlungsDat"}).json()
    values = [e[name] for e in body["__ENTITIES"] for name in ("Datum", "ZahlungsDat")]
    assert all(LEGACY_DATE.match(v) for v in values)
    assert "0!0!0" in values
    assert any(re.match(r"^[1-9]!", v) for v in values)  # day without zero padding


def test_single_entity_by_key_in_parentheses_and_brackets(server: EmulatorServer, client) -> None:
    key = client.get(rest(server, "Kunden"), params={"$top": 1}).json()["__ENTITIES"][0]["__KEY"]
    by_parentheses = client.get(rest(server, f"Kunden({key})")).json()
    by_brackets = client.get(rest(server, f"Kunden[{key}]")).json()
    assert by_parentheses == by_brackets
    assert by_parentheses["__entityModel"] == "Kunden" and by_parentheses["__KEY"] == key
    assert "__COUNT" not in by_parentheses


# --- Part A §4: errors ------------------------------------------------------------------------------------------


def test_unknown_attribute_is_500_with_1500_then_1804(server: EmulatorServer, client: requests.Session) -> None:
    response = client.get(rest(server, "Kunden"), params={"$attributes": "firstName"})
    assert response.status_code == 500
    assert response.json() == {"__ERROR": [
        {"message": 'The "firstName" attribute cannot be found in The "Kunden" datastore class',
         "componentSignature": "dbmg", "errCode": 1500},
        {"message": 'Cannot completely build a list of attributes with "firstName" for the "Kunden" datastore class',
         "componentSignature": "dbmg", "errCode": 1804},
    ]}  # fmt: skip


def test_unknown_dataclass_is_404_with_1800(server: EmulatorServer, client: requests.Session) -> None:
    response = client.get(rest(server, "Client"))
    assert response.status_code == 404
    assert [e["errCode"] for e in response.json()["__ERROR"]] == [1800]
    assert response.json()["__ERROR"][0]["componentSignature"] == "dbmg"


def test_unknown_query_keyword_is_1811(server: EmulatorServer, client: requests.Session) -> None:
    response = client.get(rest(server, "Kunden"), params={"$unknownoption": "1"})
    assert response.status_code == 500
    assert response.json()["__ERROR"][0]["errCode"] == 1811


def test_entity_not_found_is_404_with_1542(server: EmulatorServer, client: requests.Session) -> None:
    response = client.get(rest(server, "Kunden(222)"))
    assert response.status_code == 404
    assert response.json()["__ERROR"] == [{
        "message": 'Cannot find entity with "222" key in the "Kunden" dataclass', "componentSignature": "dbmg",
        "errCode": 1542,
    }]  # fmt: skip


def test_bad_filter_is_500_never_an_empty_200(server: EmulatorServer, client: requests.Session) -> None:
    for bad in ("Nummer = ", "(Nummer = 1", "Nummer = 'x", "Nummer LIKE 1", "firstName = 'x'"):
        response = client.get(rest(server, "Artikel_Variante"), params={"$filter": bad})
        assert response.status_code == 500, bad
        assert response.json()["__ERROR"], bad


def test_released_entity_set_answers_ok_true_and_unknown_set_1802(server: EmulatorServer, client) -> None:
    created = client.get(rest(server, "Kunden"), params={"$method": "entityset", "$top": 1}).json()
    assert next(iter(created)) == "__ENTITYSET"
    uri = created["__ENTITYSET"]
    assert re.match(r"^/rest/Kunden/\$entityset/[0-9A-F]{32}$", uri)
    assert client.get(server.base_url + uri, params={"$method": "release"}).json() == {"ok": True}
    gone = client.get(server.base_url + uri)
    assert gone.status_code == 404 and gone.json()["__ERROR"][0]["errCode"] == 1802


# --- Part A §5: $catalog ----------------------------------------------------------------------------------------


def test_catalog_lists_dataclasses_with_relative_uris(server: EmulatorServer, client: requests.Session) -> None:
    body = client.get(rest(server, "$catalog")).json()
    assert HEX32.match(body["__UNIQID"])
    assert {"name": "Belege_Pos", "uri": "/rest/$catalog/Belege_Pos", "dataURI": "/rest/Belege_Pos"} in body[
        "dataClasses"
    ]
    assert len(body["dataClasses"]) == 18
    assert "__DeletedRecords" not in [c["name"] for c in body["dataClasses"]]


def test_catalog_of_one_dataclass_is_wrapped_and_describes_attributes(server: EmulatorServer, client) -> None:
    body = client.get(rest(server, "$catalog/Artikel_Variante")).json()
    (dataclass,) = body["dataClasses"]
    assert dataclass["name"] == "Artikel_Variante" and dataclass["key"] == [{"name": "UID"}]
    attributes = {a["name"]: a for a in dataclass["attributes"]}
    assert attributes["UID"]["identifying"] is True and attributes["UID"]["kind"] == "storage"
    assert attributes["Release_date"]["type"] == "date" and attributes["Release_date"]["simpleDate"] is True
    assert attributes["Preise"]["type"] == "object" and attributes["Nummer"]["type"] == "long"
    assert attributes["Aktiv"]["type"] == "bool"
    all_classes = client.get(rest(server, "$catalog/$all")).json()["dataClasses"]
    assert len(all_classes) == 18 and all("attributes" in c for c in all_classes)


def test_relation_attributes_are_deferred(server: EmulatorServer, client: requests.Session) -> None:
    slot = client.get(rest(server, "Stamm_Lager_Schuetten_Slots"), params={"$top": 1}).json()["__ENTITIES"][0]
    deferred = slot["viele_zu_eins"]["__deferred"]
    assert deferred["uri"] == f"/rest/Stamm_Lager_Schuetten({deferred['__KEY']})"
    box = client.get(server.base_url + deferred["uri"]).json()
    assert box["ID"] == slot["ID_Lager_Schuetten_Slots"]


# --- Part A §1: sessions and the licence error ------------------------------------------------------------------


def test_session_cookies_and_the_402_body(make_server) -> None:
    server = make_server(max_sessions=1)
    first = requests.get(rest(server, "$info"))
    assert first.cookies["WASID4D"] == first.cookies["4DSID_WSZ-DB"]
    assert HEX32.match(first.cookies["WASID4D"])
    assert first.headers["4DREST-INFO"] == "1.0"
    assert first.headers["Content-Type"] == "application/json; charset=UTF-8"
    refused = requests.get(rest(server, "$info"))  # no cookie: a second session is wanted
    assert refused.status_code == 402
    assert refused.json() == {
        "__ERROR": [{"message": "Maximum number of sessions reached", "componentSignature": "dbmg", "errCode": 1823}]
    }


def test_login_and_logout_answer_result_true(make_server) -> None:
    server = make_server()
    with requests.Session() as client:
        login = client.post(rest(server, "$directory/login"), headers={"username-4D": "x", "password-4D": "y"})
        assert login.json() == {"result": True}
        assert client.get(rest(server, "$directory/logout")).json() == {"result": True}
    assert server.sessions == []


def test_rest_root_is_a_ping(server: EmulatorServer, client: requests.Session) -> None:
    assert client.get(rest(server, "")).json() == {"ok": True}


# --- Part A §2.3: $compute --------------------------------------------------------------------------------------


def test_compute_count_is_a_bare_value(server: EmulatorServer, client: requests.Session) -> None:
    response = client.get(rest(server, "Belege/AbsNr"), params={"$compute": "count"})
    assert response.json() == 1000


# --- Part A §6: change tracking ---------------------------------------------------------------------------------


def test_deleted_record_entity_has_the_documented_shape(make_server) -> None:
    server = make_server(change_tracking=True)
    key = server.delete("Belege", count=1).deleted["Belege"][0]
    body = requests.get(rest(server, "__DeletedRecords"), params={"$filter": "__TableName = 'Belege'"}).json()
    (record,) = body["__ENTITIES"]
    assert set(record) >= {"__KEY", "__TIMESTAMP", "__STAMP", "__Stamp", "__PrimaryKey", "__TableNumber",
                           "__TableName"}  # fmt: skip
    assert record["__PrimaryKey"] == key and record["__TableName"] == "Belege" and record["__TableNumber"] == 6
    assert body["__GlobalStamp"] > record["__Stamp"]


def test_global_stamp_filter_from_the_mobile_client_example(make_server) -> None:
    server = make_server(change_tracking=True)
    stamp = requests.get(rest(server, "Kunden"), params={"$top": 1}).json()["__GlobalStamp"]
    changed = server.update("Kunden", count=3).updated["Kunden"]
    body = requests.get(rest(server, "Kunden"), params={"$filter": f"__GlobalStamp >= {stamp}"}).json()
    assert sorted(e["__KEY"] for e in body["__ENTITIES"]) == sorted(changed)
    assert all(e["__GlobalStamp"] >= stamp for e in body["__ENTITIES"])


# --- Part B §1.3: URLs recorded as working against the production server ----------------------------------------


def _first_variants(server: EmulatorServer, client: requests.Session, count: int) -> list[dict]:
    return client.get(rest(server, "Artikel_Variante"), params={"$top": count}).json()["__ENTITIES"]


def test_production_or_list_of_quoted_conditions(server: EmulatorServer, client: requests.Session) -> None:
    a, b = (v["Nummer"] for v in _first_variants(server, client, 2))
    url = rest(server, f"Artikel_Variante?$filter='Nummer = {a}' or 'Nummer = {b}'")
    body = client.get(url).json()
    assert sorted(e["Nummer"] for e in body["__ENTITIES"]) == sorted([a, b])


def test_production_hand_encoded_family_filter(server: EmulatorServer, client: requests.Session) -> None:
    family = _first_variants(server, client, 1)[0]["Familie_"]
    url = rest(server, f"Artikel_Variante?$filter=%27Familie_%20=%20%22{family}%22%27")
    body = client.get(url).json()
    expected = [v["__KEY"] for v in server.rows("Artikel_Variante") if v["Familie_"] == family]
    assert sorted(e["__KEY"] for e in body["__ENTITIES"]) == sorted(expected) and expected


def test_production_odata_eq_is_500(server: EmulatorServer, client: requests.Session) -> None:
    family = _first_variants(server, client, 1)[0]["Familie_"]
    response = client.get(rest(server, f"Artikel_Variante?$filter=Familie_ eq '{family}'"))
    assert response.status_code == 500


def test_production_date_filters_and_encoded_paging_names(server: EmulatorServer, client) -> None:
    url = rest(server, "Belege?$filter=%27Datum%20%3E%3D%20%222025-04-09T00%3A00%3A00Z%22%27&%24skip=0&%24top=500")
    body = client.get(url).json()
    expected = sum(1 for row in server.rows("Belege") if _date(row["Datum"]) >= (2025, 4, 9))
    assert body["__COUNT"] == expected > 0
    modified = client.get(rest(server, "Kunden"), params={"$filter": "'modified_date >= \"2025-04-01\"'"}).json()
    assert all(_date(e["modified_date"]) >= (2025, 4, 1) for e in modified["__ENTITIES"])
    assert modified["__COUNT"] == sum(1 for r in server.rows("Kunden") if _date(r["modified_date"]) >= (2025, 4, 1))


def test_documented_filter_examples(server: EmulatorServer, client: requests.Session) -> None:
    variant = _first_variants(server, client, 1)[0]
    body = client.get(
        rest(server, "Artikel_Variante"), params={"$filter": f"\"alteNummer = '{variant['alteNummer']}'\""}
    )
    assert [e["__KEY"] for e in body.json()["__ENTITIES"]] == [variant["__KEY"]]
    created = client.get(rest(server, "Kunden"), params={"$filter": "\"created_date >= '2023-01-01'\""}).json()
    assert created["__COUNT"] == sum(1 for r in server.rows("Kunden") if _date(r["created_date"]) >= (2023, 1, 1))


def _date(text: str) -> tuple[int, int, int]:
    day, month, year = (int(part) for part in text.split("!"))
    return year, month, day
