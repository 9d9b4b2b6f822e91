"""Business activity between syncs: what changes, what is touched, what is recorded, and determinism."""

from __future__ import annotations

import requests

from emulator import EmulatorServer

from .conftest import rest


def by_key(server: EmulatorServer, table: str) -> dict[str, dict]:
    return {row["__KEY"]: row for row in server.rows(table)}


def test_update_bumps_stamps_timestamps_and_modified_date(make_server) -> None:
    server = make_server(change_tracking=True)
    before = by_key(server, "Kunden")
    stamp = server.store.global_stamp
    changes = server.update("Kunden", percent=5)
    changed = changes.updated["Kunden"]
    assert len(changed) == 10  # 5 % of 200
    after = by_key(server, "Kunden")
    for key in changed:
        old, new = before[key], after[key]
        assert new["__STAMP"] == old["__STAMP"] + 1
        assert new["__TIMESTAMP"] > old["__TIMESTAMP"] and new["__TIMESTAMP"].startswith("2026-10-01T06:00:00")
        assert new["modified_date"] == "1!10!2026" and new["modified_time"] == 8 * 3600
        assert new["__GlobalStamp"] >= stamp and new["Rabatt"] != old["Rabatt"]
    unchanged = set(before) - set(changed)
    assert all(before[k] == after[k] for k in unchanged)


def test_each_change_advances_the_clock_except_inside_same_second(make_server) -> None:
    server = make_server()
    keys = server.update("Formen", count=3).updated["Formen"]
    stamps = {by_key(server, "Formen")[k]["__TIMESTAMP"] for k in keys}
    assert len(stamps) == 3
    with server.same_second():
        keys = server.update("Formen", count=5).updated["Formen"]
    assert len({by_key(server, "Formen")[k]["__TIMESTAMP"] for k in keys}) == 1


def test_clock_skew_moves_timestamps_back(make_server) -> None:
    server = make_server()
    server.skew_clock(-86_400)
    (key,) = server.update("Formen", count=1).updated["Formen"]
    row = by_key(server, "Formen")[key]
    assert row["__TIMESTAMP"].startswith("2026-09-30T06:00") and row["modified_date"] == "30!9!2026"
    server.advance_clock(2 * 86_400)
    (key,) = server.update("Formen", count=1).updated["Formen"]
    assert by_key(server, "Formen")[key]["modified_date"] == "2!10!2026"


def test_child_change_touches_the_parent_and_its_totals(make_server) -> None:
    server = make_server()
    lines = by_key(server, "Belege_Pos")
    records = {row["AbsNr"]: row for row in server.rows("Belege")}
    changes = server.update("Belege_Pos", count=4)
    touched = changes.updated["Belege"]
    after_lines, after_records = by_key(server, "Belege_Pos"), {r["AbsNr"]: r for r in server.rows("Belege")}
    parents = {lines[k]["AbsNr"] for k in changes.updated["Belege_Pos"]}
    assert {after_records[n]["__KEY"] for n in parents} == set(touched)
    for number in parents:
        record = after_records[number]
        assert record["__STAMP"] == records[number]["__STAMP"] + 1 and record["modified_date"] == "1!10!2026"
        own = [line for line in after_lines.values() if line["AbsNr"] == number]
        assert record["Netto"] == round(sum(line["Pos_Betrag"] for line in own), 2)
    for key in changes.updated["Belege_Pos"]:
        line = after_lines[key]
        assert line["Pos_Betrag"] == round(line["Menge"] * line["Preis"] * (1 - line["Rabatt"] / 100), 2)


def test_insert_child_and_parent(make_server) -> None:
    server = make_server()
    line_changes = server.insert("Belege_Pos", count=2)
    (new_line, _) = line_changes.inserted["Belege_Pos"]
    assert line_changes.updated["Belege"]  # the parent record was touched
    line = by_key(server, "Belege_Pos")[new_line]
    siblings = [r["PosNr"] for r in server.rows("Belege_Pos") if r["AbsNr"] == line["AbsNr"]]
    assert line["PosNr"] == max(siblings) and len(siblings) == len(set(siblings))
    record_changes = server.insert("Belege", count=1)
    (record_key,) = record_changes.inserted["Belege"]
    record = by_key(server, "Belege")[record_key]
    assert record["AbsNr"] == 2000 and record["__STAMP"] == 1 and record["created_date"] == "1!10!2026"
    copied_lines = [r for r in server.rows("Belege_Pos") if r["AbsNr"] == 2000]
    assert sorted(r["__KEY"] for r in copied_lines) == sorted(record_changes.inserted.get("Belege_Pos", []))


def test_new_customer_comes_with_its_own_address(make_server) -> None:
    server = make_server()
    changes = server.insert("Kunden")
    (customer_key,), (address_key,) = changes.inserted["Kunden"], changes.inserted["Adressen"]
    assert by_key(server, "Kunden")[customer_key]["AdrNr"] == by_key(server, "Adressen")[address_key]["AdrNr"]
    also = server.insert("Adressen")
    assert len(also.inserted["Kunden"]) == 1


def test_delete_is_recorded_only_with_change_tracking(make_server) -> None:
    tracked, untracked = make_server(change_tracking=True), make_server()
    for server in (tracked, untracked):
        changes = server.delete("Belege", count=2)
        deleted = changes.deleted["Belege"]
        assert len(deleted) == 2 and not set(deleted) & set(by_key(server, "Belege"))
        gone_lines = changes.deleted.get("Belege_Pos", [])
        assert gone_lines and not set(gone_lines) & set(by_key(server, "Belege_Pos"))
    records = requests.get(rest(tracked, "__DeletedRecords"), params={"$top": 1000}).json()["__ENTITIES"]
    assert {r["__PrimaryKey"] for r in records} == {k for keys in changes_of(tracked) for k in keys}
    assert requests.get(rest(untracked, "__DeletedRecords")).status_code == 404


def changes_of(server: EmulatorServer) -> list[list[str]]:
    return [[r["__PrimaryKey"] for r in server.rows("__DeletedRecords")]]


def test_deleting_a_line_recomputes_the_record(make_server) -> None:
    server = make_server()
    changes = server.delete("Belege_Pos", count=1)
    (record_key,) = changes.updated["Belege"]
    record = by_key(server, "Belege")[record_key]
    lines = [r["Pos_Betrag"] for r in server.rows("Belege_Pos") if r["AbsNr"] == record["AbsNr"]]
    assert record["Netto"] == round(sum(lines), 2)


def test_referenced_rows_are_not_deleted(make_server) -> None:
    server = make_server()
    changes = server.delete("Artikel_Familie", percent=100)
    referenced = {r["Familie_"] for r in server.rows("Artikel_Variante")}
    assert not set(changes.deleted.get("Artikel_Familie", [])) & referenced
    assert all(v["Familie_"] in by_key(server, "Artikel_Familie") or ("Artikel_Variante", v["__KEY"]) in
               server.store.defective for v in server.rows("Artikel_Variante"))  # fmt: skip


def test_planted_defects_are_never_mutated(make_server) -> None:
    server = make_server(defect_rates={"empty_name": 0.5})
    defective = {e["key"] for e in server.manifest if e["table"] == "Artikel_Familie"}
    changes = server.update("Artikel_Familie", percent=100)
    assert defective and not defective & set(changes.updated["Artikel_Familie"])


def test_same_seed_and_calls_give_the_same_bytes(make_server) -> None:
    bodies = []
    for _ in range(2):
        server = make_server(seed=11, change_tracking=True)
        server.update("Belege_Pos", percent=3)
        server.insert("Kunden", count=2)
        server.delete("Belege", count=3)
        with server.same_second():
            server.update("Artikel_Variante", count=5)
        server.skew_clock(-30)
        bodies.append(b"".join(requests.get(rest(server, t), params={"$top": 5000}).content
                               for t in ("Belege", "Belege_Pos", "Kunden", "Adressen", "Artikel_Variante",
                                         "__DeletedRecords")))  # fmt: skip
    assert bodies[0] == bodies[1]


def test_admin_endpoint_drives_mutations(make_server) -> None:
    server = make_server(change_tracking=True)
    admin = f"{server.base_url}/_admin"
    answer = requests.post(f"{admin}/mutate", json={"same_second": True, "ops": [
        {"op": "update", "table": "Kunden", "count": 2}, {"op": "insert", "table": "Formen", "count": 1},
        {"op": "delete", "table": "Belege", "count": 1}, {"op": "advance_clock", "seconds": 3600},
    ]}).json()  # fmt: skip
    update, insert, delete, _ = answer["results"]
    assert len(update["updated"]["Kunden"]) == 2 and len(insert["inserted"]["Formen"]) == 1
    assert len(delete["deleted"]["Belege"]) == 1
    assert answer["clock"] == "2026-10-01T07:00:00.000Z" and answer["global_stamp"] == server.store.global_stamp
    bad = requests.post(f"{admin}/mutate", json={"op": "explode", "table": "Kunden"})
    assert bad.status_code == 400
    unknown = requests.post(f"{admin}/mutate", json={"op": "update", "table": "Nope", "count": 1})
    assert unknown.status_code == 404 and unknown.json()["__ERROR"][0]["errCode"] == 1800
    status = requests.get(f"{admin}/status").json()
    assert status["tables"]["Formen"] == 9 and status["change_tracking"] is True
