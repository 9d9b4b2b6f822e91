"""End to end: the emulator over HTTP -> run_extract -> legacy_raw in a fresh PostgreSQL database."""

from __future__ import annotations

import re
import time

import pytest

from emulator import EmulatorServer
from extract.client import RetryPolicy
from extract.errors import SourceUnavailable
from extract.tables import TABLES, TABLES_BY_ENDPOINT
from tests.extract.conftest import SCALE, Extractor, assert_raw_matches

DATA_TABLES = {table.endpoint for table in TABLES}


def mutate(server: EmulatorServer) -> dict[str, dict[str, int]]:
    """Business activity of every kind: updates, inserts, deletes, child-only changes, same-second changes.

    Returns ``{"inserted"|"updated"|"deleted": {table: rows}}`` as the emulator reports it (cascades included).
    """
    changes = [
        server.update("Artikel_Variante", count=3),
        server.update("Kunden", percent=2),
        server.insert("Artikel_Familie", count=2),
        server.insert("Belege", count=2),
        server.delete("Adressen", count=2),
        server.delete("Belege", count=2),
        server.update("Belege_Pos", count=4),
        server.insert("Belege_Pos", count=2),
        server.delete("Belege_Pos", count=3),
        server.delete("WerksauftrPos", count=2),
        server.update("Stamm_Lager_Schuetten_Slots", count=2),
        server.delete("Form_Artikel", count=1),
        server.update("Lager_Schuetten", count=2),
    ]
    with server.same_second():
        changes.append(server.update("Artikel_Familie", count=2))
        changes.append(server.update("Werksauftraege", count=1))
        changes.append(server.insert("WerksauftrPos", count=1))
    totals: dict[str, dict[str, int]] = {"inserted": {}, "updated": {}, "deleted": {}}
    for change in changes:
        for kind, by_table in totals.items():
            for table, keys in getattr(change, kind).items():
                by_table[table] = by_table.get(table, 0) + len(keys)
    return totals


def settled_log_length(server: EmulatorServer, requests_sent: int) -> int:
    """The emulator logs a request after answering it: wait (bounded) until every request sent so far is logged."""
    deadline = time.monotonic() + 5
    while len(server.request_log) < requests_sent and time.monotonic() < deadline:
        time.sleep(0.01)
    return len(server.request_log)


def _is_key_set(record) -> bool:
    return "$filter" not in record.query and record.query.endswith("$attributes=UID") and "$top=1&" not in record.query


def check_incremental_cost(server: EmulatorServer, since: int, changes: dict[str, dict[str, int]]) -> None:
    """An incremental run reads only the rows that changed (plus the overlap window of day-granular dates), and
    per table a small constant of requests: its changed pages, one count, and keys only where rows were deleted."""
    requests = [r for r in server.request_log[since:] if r.path.removeprefix("/rest/") in DATA_TABLES]
    content = [r for r in requests if not _is_key_set(r) and "$top=1&" not in r.query]
    full_rows = sum(len(list(server.rows(t.endpoint))) for t in TABLES)
    sent = sum(r.rows_sent for r in content)
    assert sent < full_rows * 0.05, f"an incremental run read {sent} of {full_rows} rows"
    assert all("$filter" in r.query for r in content if r.path != "/rest/parameter"), "a whole table was read"
    deleted_or_inserted = set(changes["deleted"]) | set(changes["inserted"])
    for record in requests:
        if _is_key_set(record):
            assert record.path.removeprefix("/rest/") in deleted_or_inserted, f"needless key set: {record.path}"
    per_table: dict[str, int] = {}
    for record in requests:
        per_table[record.path] = per_table.get(record.path, 0) + 1
    assert max(per_table.values()) <= 4, per_table


@pytest.mark.parametrize("tracking", [False, True], ids=["tracking-off", "tracking-on"])
def test_full_then_incremental_equals_the_server(emulator: EmulatorServer, make_extractor, tracking: bool) -> None:
    emulator.change_tracking = tracking
    extractor: Extractor = make_extractor(emulator)

    first = extractor.run()
    expected_strategy = "global_stamp" if tracking else None
    for stats in first.tables.values():
        assert stats.full and stats.rows_extracted > 0
        assert stats.strategy == (expected_strategy or TABLES_BY_ENDPOINT[stats.table].strategy)
    assert_raw_matches(emulator, extractor)

    changed = mutate(emulator)
    before = settled_log_length(emulator, first.requests)
    second = extractor.run()
    assert not any(stats.full for stats in second.tables.values() if stats.strategy != "full")
    assert_raw_matches(emulator, extractor)
    check_incremental_cost(emulator, before, changed)
    # every change is landed once; nothing unchanged is counted as changed
    assert 0 < second.rows_extracted <= sum(n for by_table in changed.values() for n in by_table.values())
    assert second.rows_deleted == sum(changed["deleted"].values())
    # one 4D session for both runs: the second reused the stored cookie
    assert emulator.sessions_opened == 1
    assert second.session_reused and second.sessions_established == 0
    assert {r.session_id for r in emulator.request_log} == {emulator.request_log[0].session_id}

    third = extractor.run()  # nothing changed: nothing lands
    assert third.rows_extracted == 0 and third.rows_deleted == 0
    assert_raw_matches(emulator, extractor)


def test_deleted_rows_keep_their_content_and_come_back(emulator: EmulatorServer, make_extractor) -> None:
    extractor: Extractor = make_extractor(emulator)
    extractor.run()
    key = next(iter(emulator.rows("Adressen")))["__KEY"]
    before = next(r for r in extractor.raw_rows("adressen") if r["__KEY"] == key)
    emulator.delete("Adressen", keys=[key])

    result = extractor.run(tables=["Adressen"])
    assert result.tables["Adressen"].rows_deleted == 1
    after = next(r for r in extractor.raw_rows("adressen") if r["__KEY"] == key)
    assert after["_is_deleted"] is True and after["_deleted_at"] is not None
    assert {k: v for k, v in after.items() if not k.startswith("_")} == {
        k: v for k, v in before.items() if not k.startswith("_")
    }
    assert after["_dlt_load_id"] == result.load_id  # downstream sees the deletion as a change


def test_strict_date_filters_and_a_limited_top(emulator: EmulatorServer, make_extractor) -> None:
    """Production answered 500 to > and < on dates and may cap $top: the run must not depend on either."""
    emulator.faults.update(strict_date_filters=True, top_cap=150)
    extractor: Extractor = make_extractor(emulator)
    extractor.run()
    mutate(emulator)
    extractor.run()
    assert_raw_matches(emulator, extractor)
    assert all(r.status == 200 for r in emulator.request_log)
    assert max(r.rows_sent for r in emulator.request_log) <= 150


def test_injected_errors_and_dropped_connections(emulator: EmulatorServer, make_extractor) -> None:
    extractor: Extractor = make_extractor(emulator)
    emulator.faults.update(error_rate=0.15, error_status=503, drop_rate=0.15)
    extractor.run()
    mutate(emulator)
    extractor.run()
    assert any(r.status == 503 for r in emulator.request_log)
    assert any(r.dropped for r in emulator.request_log)
    assert_raw_matches(emulator, extractor)  # includes: no duplicate keys
    assert emulator.sessions_opened == 1


@pytest.mark.parametrize("die_after", [6, 25], ids=["during-full", "during-incremental"])
def test_a_run_killed_midway_then_rerun_reaches_the_same_result(
    emulator: EmulatorServer, make_extractor, die_after: int
) -> None:
    extractor: Extractor = make_extractor(emulator)
    extractor.policy = type(extractor.policy)(
        transient_budget=1.0, start_budget=1.0, session_limit_budget=1.0, max_wait=0.2
    )
    if die_after > 20:  # a full run takes ~20 requests: die in the incremental one
        extractor.run()
        mutate(emulator)
        die_after -= 20
    emulator.faults.update(fail_after=die_after)
    with pytest.raises(SourceUnavailable):
        extractor.run()
    emulator.faults.update(down=False)
    extractor.run()
    assert_raw_matches(emulator, extractor)


def test_max_one_session_and_another_client_holding_it(make_extractor) -> None:
    """With one licence taken by someone else, the run waits (402) with no new session, then completes."""
    with EmulatorServer(scale=SCALE, seed=7, max_sessions=1) as server:
        extractor: Extractor = make_extractor(server)
        extractor.policy = RetryPolicy(transient_budget=15.0, start_budget=5.0, session_limit_budget=30.0, max_wait=0.3)
        held = server.hold_sessions(1)
        import threading

        timer = threading.Timer(1.5, server.release_sessions, args=(held,))
        timer.start()
        try:
            result = extractor.run(tables=["Form_Artikel"])
        finally:
            timer.cancel()
        assert any(r.status == 402 for r in server.request_log)
        assert server.sessions_opened == 1
        assert result.tables["Formen"].rows_extracted > 0  # the parent came along with its child
        assert_raw_matches_tables(server, extractor, {"Formen", "Form_Artikel"})


def assert_raw_matches_tables(server: EmulatorServer, extractor: Extractor, names: set[str]) -> None:
    for name in names:
        table = TABLES_BY_ENDPOINT[name]
        served = {row["__KEY"] for row in server.rows(name)}
        landed = {row["__KEY"] for row in extractor.raw_rows(table.resource) if not row["_is_deleted"]}
        assert served == landed


def test_near_duplicate_names_stay_apart_and_keep_their_spelling(emulator: EmulatorServer, make_extractor) -> None:
    extractor: Extractor = make_extractor(emulator)
    extractor.run(tables=["Artikel_Variante", "Belege"])
    columns = {
        (table, column)
        for table, column in extractor.query(
            "select table_name, column_name from information_schema.columns where table_schema = 'legacy_raw'"
        )
    }
    for expected in [
        ("artikel_variante", "Release_date"),
        ("artikel_variante", "Release_Date"),
        ("artikel_variante", "Aktiv"),
        ("artikel_variante", "Familie_"),
        ("belege", "Währung"),
        ("belege", "__KEY"),
        ("belege", "__STAMP"),
        ("belege", "__TIMESTAMP"),
        ("belege", "_is_deleted"),
        ("belege", "_dlt_load_id"),
        ("belege", "_dlt_id"),
    ]:
        assert expected in columns
    served = {row["__KEY"]: row for row in emulator.rows("Artikel_Variante")}
    for row in extractor.raw_rows("artikel_variante"):
        assert row["Release_date"] == served[row["__KEY"]].get("Release_date")
        assert row["Release_Date"] == served[row["__KEY"]].get("Release_Date")
    types = dict(
        extractor.query(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'legacy_raw' and table_name = 'belege'"
        )
    )
    assert types["__STAMP"] == "bigint" and types["__TIMESTAMP"] == "timestamp with time zone"
    assert types["Netto"] == "character varying" and types["_is_deleted"] == "boolean"
    unique = extractor.query("select indexdef from pg_indexes where schemaname = 'legacy_raw' and tablename = 'belege'")
    assert any("UNIQUE" in d and '("__KEY")' in d for (d,) in unique)


def test_uuid_keys_land_as_sent_and_children_are_found_by_quoted_keys(make_extractor) -> None:
    """A 4D server serving numbered keys as UUID strings (4d-rest-api.md §3.3): the keys land verbatim, and the
    ``children_of`` tables find the children of changed parents with ``IN`` lists of quoted text keys."""
    with EmulatorServer(scale=SCALE, seed=42, max_sessions=1, uuid_keys="all") as server:
        extractor: Extractor = make_extractor(server)
        extractor.run()
        assert_raw_matches(server, extractor)
        landed = dict(extractor.query('select "__KEY", "ID_Lagerort" from legacy_raw.stamm_lagerorte'))
        assert landed == {row["__KEY"]: row["ID_Lagerort"] for row in server.rows("Stamm_Lagerorte")}
        assert all(len(value) == 32 for value in landed.values())

        mutate(server)
        before = settled_log_length(server, len(server.request_log))
        second = extractor.run()
        assert not any(stats.full for stats in second.tables.values() if stats.strategy != "full")
        assert_raw_matches(server, extractor)
        queries = [(r.path, r.query, r.status) for r in server.request_log[before:]]
        for table, column in (("Belege_Pos", "AbsNr"), ("WerksauftrPos", "W_Auftr_Nr"),
                              ("Stamm_Lager_Schuetten_Slots", "ID_Lager_Schuetten_Slots")):  # fmt: skip
            children = [(q, status) for path, q, status in queries if path == f"/rest/{table}" and " IN [" in q]
            assert children and all(status == 200 for _, status in children), table
            assert all(re.search(rf"{column} IN \['[0-9A-F]{{32}}'(,'[0-9A-F]{{32}}')*\]", q) for q, _ in children)
