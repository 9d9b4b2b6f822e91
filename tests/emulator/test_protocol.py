"""The /rest protocol: paging, filters, ordering, attributes, entity sets, aggregates, the request log."""

from __future__ import annotations

import pytest
import requests

from emulator import EmulatorServer

from .conftest import rest


def keys_of(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [entity["__KEY"] for entity in response.json()["__ENTITIES"]]


def test_pages_cover_the_table_once_in_primary_key_order(server: EmulatorServer, client: requests.Session) -> None:
    seen = []
    for skip in range(0, 1000, 300):
        seen += keys_of(client.get(rest(server, "Belege"), params={"$skip": skip, "$top": 300}))
    assert seen == sorted(seen) == [row["__KEY"] for row in server.rows("Belege")]


def test_limit_is_a_synonym_of_top(server: EmulatorServer, client: requests.Session) -> None:
    assert len(keys_of(client.get(rest(server, "Belege"), params={"$limit": 7}))) == 7


def test_percent_encoded_option_names(server: EmulatorServer, client: requests.Session) -> None:
    body = client.get(rest(server, "Belege") + "?%24top=3&%24skip=2").json()
    assert (body["__SENT"], body["__FIRST"]) == (3, 2)


def test_orderby_desc_then_asc(server: EmulatorServer, client: requests.Session) -> None:
    body = client.get(rest(server, "Belege"), params={"$orderby": "Papierart desc, AbsNr asc", "$top": 1000,
                                                       "$attributes": "Papierart,AbsNr"}).json()  # fmt: skip
    pairs = [(e["Papierart"], e["AbsNr"]) for e in body["__ENTITIES"]]
    assert pairs == sorted(pairs, key=lambda p: (-ord(p[0]), p[1]))
    bad = client.get(rest(server, "Belege"), params={"$orderby": "nope desc"})
    assert bad.status_code == 500 and bad.json()["__ERROR"][0]["errCode"] == 1500


def test_orderby_dates_by_calendar_not_text(server: EmulatorServer, client: requests.Session) -> None:
    body = client.get(rest(server, "Belege"), params={"$orderby": "Datum", "$top": 1000, "$attributes": "Datum"})
    days = [tuple(reversed([int(p) for p in e["Datum"].split("!")])) for e in body.json()["__ENTITIES"]]
    assert days == sorted(days)


def test_attributes_option_and_path_form(server: EmulatorServer, client: requests.Session) -> None:
    by_option = client.get(rest(server, "Kunden"), params={"$attributes": "KundenNr,AdrNr", "$top": 2}).json()
    by_path = client.get(rest(server, "Kunden/KundenNr,AdrNr"), params={"$top": 2}).json()
    assert by_option == by_path
    assert list(by_option["__ENTITIES"][0]) == ["__KEY", "__TIMESTAMP", "__STAMP", "KundenNr", "AdrNr"]


def test_entity_by_unique_attribute(server: EmulatorServer, client: requests.Session) -> None:
    body = client.get(rest(server, "Belege:AbsNr(1005)")).json()
    assert body["AbsNr"] == 1005 and body["__entityModel"] == "Belege"


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ("AbsNr = 1005", lambda r: r["AbsNr"] == 1005),
        ("AbsNr == 1005", lambda r: r["AbsNr"] == 1005),
        ("AbsNr != 1005", lambda r: r["AbsNr"] != 1005),
        ("AbsNr # 1005", lambda r: r["AbsNr"] != 1005),
        ("AbsNr > 1990", lambda r: r["AbsNr"] > 1990),
        ("AbsNr >= 1990", lambda r: r["AbsNr"] >= 1990),
        ("AbsNr < 1010", lambda r: r["AbsNr"] < 1010),
        ("AbsNr <= 1010", lambda r: r["AbsNr"] <= 1010),
        ("AbsNr IN [1001, 1003, 99]", lambda r: r["AbsNr"] in (1001, 1003)),
        ("Papierart = 'r'", lambda r: r["Papierart"] == "R"),  # values are case-insensitive
        ("Papierart === 'R'", lambda r: r["Papierart"] == "R"),
        ("Versandart begin 'sp'", lambda r: r["Versandart"].lower().startswith("sp")),
        ("Versandart = 'D@'", lambda r: r["Versandart"].startswith("D")),
        ("Versandart = '@ed@'", lambda r: "ed" in r["Versandart"].lower()),
        ("bezahlt = true AND Papierart = R", lambda r: r["bezahlt"] and r["Papierart"] == "R"),
        ("bezahlt = false & Papierart = 'R'", lambda r: not r["bezahlt"] and r["Papierart"] == "R"),
        ("Papierart = A OR Papierart = G", lambda r: r["Papierart"] in "AG"),
        ("Papierart = A | Papierart = G", lambda r: r["Papierart"] in "AG"),
        ("NOT(Papierart = R)", lambda r: r["Papierart"] != "R"),
        ("(Papierart = A OR Papierart = G) AND AbsNr < 1500", lambda r: r["Papierart"] in "AG" and r["AbsNr"] < 1500),
        (
            "Papierart = A OR Papierart = G AND AbsNr < 1500",
            lambda r: r["Papierart"] == "A" or (r["Papierart"] == "G" and r["AbsNr"] < 1500),
        ),
        ("Papierart = R EXCEPT bezahlt = true", lambda r: r["Papierart"] == "R" and not r["bezahlt"]),
        ("Datum >= '2020-01-01' AND Datum <= '2020-12-31'", lambda r: r["Datum"].endswith("!2020")),
        ("Datum = '0!0!0'", lambda r: r["Datum"] == "0!0!0"),
        ("ZahlungsDat = '0!0!0'", lambda r: r["ZahlungsDat"] == "0!0!0"),
        ("Währung = DM", lambda r: r["Währung"] == "DM"),
        ("Text = null", lambda r: r["Text"] is None),
        ("Lief_Adr = '@Frankfurt@'", lambda r: "frankfurt" in r["Lief_Adr"].lower()),
    ],
)
def test_filter_operators(server: EmulatorServer, client, filter_text, expected) -> None:
    got = keys_of(client.get(rest(server, "Belege"), params={"$filter": filter_text, "$top": 5000}))
    wanted = [row["__KEY"] for row in server.rows("Belege") if expected(row)]
    assert got == wanted


def test_placeholders_with_params(server: EmulatorServer, client: requests.Session) -> None:
    params = {"$filter": "Papierart = :1 AND AbsNr < :2", "$params": "'[\"A\", 1500]'", "$top": 5000}
    got = keys_of(client.get(rest(server, "Belege"), params=params))
    assert got == [r["__KEY"] for r in server.rows("Belege") if r["Papierart"] == "A" and r["AbsNr"] < 1500]
    collection = {"$filter": "AbsNr IN :1", "$params": "[[1001, 1002]]"}
    assert len(keys_of(client.get(rest(server, "Belege"), params=collection))) == 2
    missing = client.get(rest(server, "Belege"), params={"$filter": "AbsNr = :3", "$params": "[1]"})
    assert missing.status_code == 500 and missing.json()["__ERROR"][0]["errCode"] == 1279


def test_escaped_quotes_in_values(server: EmulatorServer, client: requests.Session) -> None:
    surname = next(r["Name1"] for r in server.rows("Adressen"))
    quoted = client.get(rest(server, "Adressen"), params={"$filter": "Name1 = 'O\\u0027Brien'"})
    assert quoted.status_code == 200 and quoted.json()["__COUNT"] == 0
    plain = client.get(rest(server, "Adressen"), params={"$filter": f'Name1 = "{surname}"'}).json()
    assert plain["__COUNT"] >= 1
    unquoted = client.get(rest(server, "Adressen"), params={"$filter": "Name1 = O'Reilly"})
    assert unquoted.status_code == 200


def test_accents_are_ignored_in_text_comparison(server: EmulatorServer, client: requests.Session) -> None:
    body = client.get(rest(server, "Adressen"), params={"$filter": "Ort = 'Munchen'", "$top": 1000}).json()
    assert body["__COUNT"] == sum(1 for r in server.rows("Adressen") if r["Ort"] == "München") > 0


def test_object_attribute_paths(server: EmulatorServer, client: requests.Session) -> None:
    body = client.get(rest(server, "parameter"), params={"$filter": "data_.version = 1"}).json()
    assert body["__COUNT"] == 11  # every scope but Schüttentypen


def test_unknown_attribute_in_filter_and_ts_filter_are_500(server: EmulatorServer, client) -> None:
    for text in ("__TIMESTAMP >= '2025-01-01'", "__GlobalStamp > 1", "nope = 1", "Papierart.x = 1"):
        response = client.get(rest(server, "Belege"), params={"$filter": text})
        assert response.status_code == 500 and response.json()["__ERROR"][0]["errCode"] == 1500, text


def test_type_mismatch_in_filter_is_500(server: EmulatorServer, client: requests.Session) -> None:
    for text in ("AbsNr = 'abc'", "bezahlt = maybe", "Datum >= 'yesterday'"):
        assert client.get(rest(server, "Belege"), params={"$filter": text}).status_code == 500, text


def test_filtered_paging_is_consistent(server: EmulatorServer, client: requests.Session) -> None:
    pages = [keys_of(client.get(rest(server, "Belege_Pos"), params={"$filter": "Art = L", "$skip": s, "$top": 500}))
             for s in range(0, 5000, 500)]  # fmt: skip
    flat = [key for page in pages for key in page]
    assert flat == [r["__KEY"] for r in server.rows("Belege_Pos") if r["Art"] == "L"]


def test_entity_set_pages_with_filter_and_timeout(server: EmulatorServer, client: requests.Session) -> None:
    created = client.get(rest(server, "Belege"), params={"$method": "entityset", "$filter": "Papierart = R",
                                                          "$timeout": 60, "$top": 5}).json()  # fmt: skip
    uri = server.base_url + created["__ENTITYSET"]
    page = client.get(uri, params={"$skip": 5, "$top": 5, "$orderby": "AbsNr desc"}).json()
    assert page["__COUNT"] == created["__COUNT"] and page["__FIRST"] == 5
    info = client.get(rest(server, "$info")).json()
    (entry,) = [s for s in info["entitySet"] if created["__ENTITYSET"].endswith(s["id"])]
    assert entry["dataClass"] == "Belege" and entry["selectionSize"] == created["__COUNT"]


def test_compute_and_distinct(server: EmulatorServer, client: requests.Session) -> None:
    rows = list(server.rows("Belege_Pos"))
    total = client.get(rest(server, "Belege_Pos/Menge"), params={"$compute": "sum"}).json()
    assert total == sum(r["Menge"] for r in rows)
    maximum = client.get(rest(server, "Belege_Pos/Menge"), params={"$compute": "max", "$filter": "Art = T"}).json()
    assert maximum == 1
    everything = client.get(rest(server, "Belege_Pos/Menge"), params={"$compute": "$all"}).json()
    assert set(everything["Menge"]) == {"count", "sum", "average", "min", "max"}
    distinct = client.get(rest(server, "Belege_Pos/Art"), params={"$distinct": "true"}).json()
    assert distinct == sorted({r["Art"] for r in rows})
    wrong = client.get(rest(server, "Belege_Pos/Menge"), params={"$compute": "median"})
    assert wrong.status_code == 500 and wrong.json()["__ERROR"][0]["errCode"] == 1817


def test_as_array(server: EmulatorServer, client: requests.Session) -> None:
    body = client.get(rest(server, "Formen"), params={"$asArray": "true", "$top": 3}).json()
    assert isinstance(body, list) and len(body) == 3 and "__KEY" in body[0]


def test_documented_but_not_emulated_option_is_an_error(server: EmulatorServer, client) -> None:
    response = client.get(rest(server, "Formen"), params={"$expand": "x"})
    assert response.status_code == 500 and response.json()["__ERROR"][0]["errCode"] == 1813
    assert client.get(rest(server, "Formen"), params={"$method": "frobnicate"}).json()["__ERROR"][0]["errCode"] == 1812


def test_non_dollar_parameters_are_ignored(server: EmulatorServer, client: requests.Session) -> None:
    body = client.get(rest(server, "Formen"), params={"new_data_only": "true", "$top": 2}).json()
    assert body["__SENT"] == 2


def test_bad_numbers_are_400_1806(server: EmulatorServer, client: requests.Session) -> None:
    response = client.get(rest(server, "Formen"), params={"$top": "ten"})
    assert response.status_code == 400 and response.json()["__ERROR"][0]["errCode"] == 1806


def test_request_log_records_each_request(make_server) -> None:
    server = make_server()
    with requests.Session() as client:
        client.get(rest(server, "Belege"), params={"$top": 7, "$filter": "AbsNr > 1"})
        client.get(rest(server, "Nope"))
    first, second = server.request_log
    assert (first.method, first.path, first.status, first.rows_sent) == ("GET", "/rest/Belege", 200, 7)
    assert "$filter=AbsNr > 1" in first.query and first.session_opened
    assert (second.status, second.session_id, second.session_opened) == (404, first.session_id, False)
    logged = requests.get(f"{server.base_url}/_admin/log").json()
    assert [entry["status"] for entry in logged] == [200, 404]


def test_rows_match_what_the_api_serves(server: EmulatorServer, client: requests.Session) -> None:
    served = client.get(rest(server, "Stamm_Lager_Schuetten"), params={"$top": 1000}).json()["__ENTITIES"]
    assert served == list(server.rows("Stamm_Lager_Schuetten"))


def test_key_range_paging_selects_the_same_rows_as_a_full_scan(server) -> None:
    """`UID > k` starts at k in key order (an index seek); `NOT (UID <= k)` tests every row: same answer."""
    import requests

    keys = [r["__KEY"] for r in server.rows("Belege_Pos")]
    pivot = sorted(keys)[len(keys) // 3].lower()  # 4D compares text case-insensitively
    http = requests.Session()  # one 4D session for both requests
    seek = http.get(
        f"{server.base_url}/rest/Belege_Pos",
        params={"$filter": f"UID > '{pivot}'", "$orderby": "UID asc", "$top": 100000, "$attributes": "UID"},
        timeout=30,
    )
    scan = http.get(
        f"{server.base_url}/rest/Belege_Pos",
        params={"$filter": f"NOT(UID <= '{pivot}')", "$top": 100000, "$attributes": "UID"},
        timeout=30,
    )
    assert seek.status_code == scan.status_code == 200
    seek_keys = [e["__KEY"] for e in seek.json()["__ENTITIES"]]
    assert seek_keys == sorted(e["__KEY"] for e in scan.json()["__ENTITIES"])
    assert seek.json()["__COUNT"] == scan.json()["__COUNT"] == len(seek_keys) > 0
