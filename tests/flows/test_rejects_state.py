"""Rejects as a current state, on a real PostgreSQL without a sync: a stand-in for dbt's ``sync_rejects`` view (a
table of the same shape, with details objects as the models give them) feeds the flow's own copy step, and the
state moves as the publish transaction moves it. Also ``pyerp-sync rejects`` / ``status`` over that state, and
the migration of a bookkeeping schema from before details was JSON.

The flow end to end (emulator, dbt, publish) is tests/flows/test_rejects_flow.py."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import psycopg2
import pytest

from flows.cli import main
from flows.history import ensure_bookkeeping, finish_run, start_run
from flows.rejects import copy_run_rejects, format_details, update_reject_state

PARENTS, ITEMS = "products_parentproduct", "sales_salesrecorditem"
EMPTY_NAME = {"column": "name", "value": "   ", "rule": "required"}
ORPHAN = {"missing_parent": "sales_salesrecord", "key": "123"}


def query(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    with contextlib.closing(psycopg2.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(statement, params or None)
        return cur.fetchall() if cur.description else []


class Sync:
    """The bookkeeping side of sync runs: dbt's view says what is rejected now; a run copies the rejects of the
    entities it rebuilt and moves the state in its publish transaction, which commits or rolls back."""

    def __init__(self, url: str) -> None:
        self.url = url
        with contextlib.closing(psycopg2.connect(url)) as conn:
            ensure_bookkeeping(conn)
        query(
            url,
            "create schema legacy_marts; create table legacy_marts.sync_rejects (entity text, legacy_key text, "
            "business_key text, reason text, severity text, details jsonb)",
        )

    def run(self, rebuilt: list[str], rejects: list[tuple], publish: str = "commit") -> str:
        """One run; ``rejects``: (entity, legacy_key, business_key, reason, severity, details) dbt now gives."""
        query(self.url, "truncate legacy_marts.sync_rejects")
        for row in rejects:
            query(self.url, "insert into legacy_marts.sync_rejects values (%s, %s, %s, %s, %s, %s)",
                  (*row[:5], json.dumps(row[5]) if row[5] is not None else None))  # fmt: skip
        with contextlib.closing(psycopg2.connect(self.url)) as conn:
            run_id = start_run(conn, "incremental", dry_run=publish == "dry-run")
            copy_run_rejects(conn, run_id, rebuilt)
            if publish != "dry-run":  # a dry run's publish rolls back before the reject state moves
                with conn.cursor() as cur:
                    update_reject_state(cur, run_id, rebuilt)
                (conn.commit if publish == "commit" else conn.rollback)()
            finish_run(conn, run_id, None if publish != "fail" else "publish_failed", None)
        return run_id

    def state(self) -> dict[tuple[str, str, str], dict]:
        names = ("business_key", "severity", "details", "first_seen_run", "last_seen_run", "resolved_run")
        rows = query(
            self.url,
            "select entity, legacy_key, reason, business_key, severity, details, first_seen_run::text, "
            "last_seen_run::text, resolved_run::text, first_seen_at <= last_seen_at, "
            "(resolved_run is null) = (resolved_at is null) from pyerp_sync.reject_state",
        )
        assert all(row[-2] and row[-1] for row in rows)
        return {row[:3]: dict(zip(names, row[3:9], strict=True)) for row in rows}


def test_rejects_are_opened_refreshed_resolved_and_reopened_by_the_runs_that_publish(database_url: str) -> None:
    sync = Sync(database_url)
    run1 = sync.run(
        [PARENTS, ITEMS],
        [
            (PARENTS, "K1", "FAM-1", "empty_name", "error", EMPTY_NAME),
            (PARENTS, "K2", "FAM-2", "invalid_sku", "error", {"column": "sku", "value": "x y", "rule": "sku"}),
            (ITEMS, "K3", "4711/1", "missing_sales_record", "error", ORPHAN),
            (ITEMS, "K4", "4712/1", "unknown_customer", "warning", {"missing_parent": "sales_customer", "key": "9"}),
        ],
    )
    state = sync.state()
    assert set(state) == {(PARENTS, "K1", "empty_name"), (PARENTS, "K2", "invalid_sku"),
                          (ITEMS, "K3", "missing_sales_record"), (ITEMS, "K4", "unknown_customer")}  # fmt: skip
    assert state[PARENTS, "K1", "empty_name"] == {
        "business_key": "FAM-1", "severity": "error", "details": EMPTY_NAME,
        "first_seen_run": run1, "last_seen_run": run1, "resolved_run": None,
    }  # fmt: skip
    assert state[ITEMS, "K3", "missing_sales_record"]["details"] == ORPHAN
    # the run's own copy keeps the business key and the details object too
    assert query(database_url, "select business_key, details from pyerp_sync.rejects where run_id = %s and "
                 "legacy_key = 'K3'", (run1,)) == [("4711/1", ORPHAN)]  # fmt: skip

    # only the parents rebuilt: K1 still there (its value changed), K2 fixed, K5 fails one reason in two columns;
    # the sales lines were not rebuilt, so their rejects stay exactly as they were
    too_long = [{"column": "name", "value": "A" * 300, "rule": "max_length 255"},
                {"column": "description", "value": "B" * 300, "rule": "max_length 255"}]  # fmt: skip
    refreshed = {**EMPTY_NAME, "value": ""}
    run2 = sync.run(
        [PARENTS],
        [
            (PARENTS, "K1", "FAM-1b", "empty_name", "error", refreshed),
            *[(PARENTS, "K5", "FAM-5", "too_long", "error", detail) for detail in too_long],
            (ITEMS, "K3", "4711/1", "missing_sales_record", "error", {"ignored": "not rebuilt"}),
        ],
    )
    state = sync.state()
    assert state[PARENTS, "K1", "empty_name"] == {
        "business_key": "FAM-1b", "severity": "error", "details": refreshed,
        "first_seen_run": run1, "last_seen_run": run2, "resolved_run": None,
    }  # fmt: skip
    assert (state[PARENTS, "K2", "invalid_sku"]["last_seen_run"], state[PARENTS, "K2", "invalid_sku"]["resolved_run"]) \
        == (run1, run2)  # fmt: skip
    assert sorted(state[PARENTS, "K5", "too_long"]["details"], key=lambda d: d["column"]) == too_long[::-1]
    for key, reason in (("K3", "missing_sales_record"), ("K4", "unknown_customer")):
        assert (state[ITEMS, key, reason]["last_seen_run"], state[ITEMS, key, reason]["resolved_run"]) == (run1, None)
    assert state[ITEMS, "K3", "missing_sales_record"]["details"] == ORPHAN

    # the sales lines rebuilt: the warning that went away is resolved as well
    run3 = sync.run([ITEMS], [(ITEMS, "K3", "4711/1", "missing_sales_record", "error", ORPHAN)])
    state = sync.state()
    assert state[ITEMS, "K4", "unknown_customer"]["resolved_run"] == run3
    assert (state[ITEMS, "K3", "missing_sales_record"]["last_seen_run"], state[ITEMS, "K3", "missing_sales_record"]
            ["resolved_run"]) == (run3, None)  # fmt: skip

    # the parents are all fixed, but a dry run and a run whose publish rolls back resolve nothing
    before = sync.state()
    sync.run([PARENTS], [], publish="dry-run")
    sync.run([PARENTS], [], publish="fail")
    assert sync.state() == before

    # K2 breaks again: reopened (first seen stays the first run), K1 and K5 resolved by this run
    run6 = sync.run([PARENTS], [(PARENTS, "K2", "FAM-2", "invalid_sku", "error", None)])
    state = sync.state()
    assert state[PARENTS, "K2", "invalid_sku"] == {
        "business_key": "FAM-2", "severity": "error", "details": None,
        "first_seen_run": run1, "last_seen_run": run6, "resolved_run": None,
    }  # fmt: skip
    assert {key: state[PARENTS, key, reason]["resolved_run"] for key, reason in (("K1", "empty_name"),
            ("K5", "too_long"))} == {"K1": run6, "K5": run6}  # fmt: skip
    open_rows = {k for k, v in state.items() if v["resolved_run"] is None}
    assert open_rows == {(PARENTS, "K2", "invalid_sku"), (ITEMS, "K3", "missing_sales_record")}


def test_details_render_in_one_short_line() -> None:
    assert format_details(EMPTY_NAME) == 'column=name value="   " rule=required'
    assert format_details(ORPHAN) == "missing_parent=sales_salesrecord key=123"
    long = format_details({"column": "name", "value": "Ein sehr langer Name " * 5, "rule": "max_length 80"})
    assert long == 'column=name value="Ein sehr langer Name Ein sehr langer Na…" rule="max_length 80"'
    assert format_details([{"value": 1}, {"value": None}]) == "value=1; value=null"
    assert format_details({"zeta": 1, "key": "7", "column": "x"}) == "column=x key=7 zeta=1"
    assert format_details("Familie 42 fehlt") == '"Familie 42 fehlt"' and format_details(None) == ""


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path, capsys):
    """``pyerp-sync ARGS`` in this process (the console entry point), against ``database_url``: (code, out, err)."""
    monkeypatch.setenv("PYERP_SYNC_DATABASE_URL", database_url)
    monkeypatch.setenv("PYERP_SYNC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def table_rows(out: str) -> list[list[str]]:
    """The cells of each row of the tables the CLI printed (rich's box lines)."""
    return [[cell.strip() for cell in line.split("│")[1:-1]] for line in out.splitlines() if line.startswith("│")]


def last_line(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code == 0, err
    return out.rstrip().splitlines()[-1]


def test_rejects_lists_open_ones_newest_first_in_pages_and_status_counts_them(database_url: str, cli) -> None:
    sync = Sync(database_url)
    first = sync.run([PARENTS, ITEMS], [
        *[(PARENTS, f"P{i}", f"FAM-{i}", "empty_name", "error", {**EMPTY_NAME, "value": ""}) for i in range(4)],
        (ITEMS, "L1", "4711/1", "missing_sales_record", "error", ORPHAN),
        (ITEMS, "L2", "4711/2", "unknown_customer", "warning", {"missing_parent": "sales_customer", "key": "9"}),
    ])  # fmt: skip
    # the next run sees two new parents and no longer P0
    second = sync.run([PARENTS], [
        *[(PARENTS, f"P{i}", f"FAM-{i}", "empty_name", "error", {**EMPTY_NAME, "value": ""}) for i in range(1, 4)],
        (PARENTS, "P8", None, "invalid_sku", "error", {"column": "sku", "value": "A B", "rule": "sku"}),
        (PARENTS, "P9", "FAM-9", "invalid_sku", "error", {"column": "sku", "value": "A;B", "rule": "sku"}),
    ])  # fmt: skip

    code, out, err = cli("rejects", "--json")
    assert (code, err) == (0, "")
    listed = json.loads(out)
    assert [listed[k] for k in ("total", "offset", "limit", "next_offset", "include_resolved", "run_id")] == [
        7, 0, 50, None, False, None]  # fmt: skip
    rows = listed["rows"]
    assert [r["legacy_key"] for r in rows[:2]] == ["P8", "P9"]  # newest first
    assert {r["legacy_key"] for r in rows} == {"P1", "P2", "P3", "P8", "P9", "L1", "L2"}
    assert set(rows[0]) == {"entity", "legacy_key", "business_key", "reason", "severity", "details", "status",
                            "first_seen_at", "first_seen_run", "last_seen_at", "last_seen_run", "resolved_at",
                            "resolved_run"}  # fmt: skip
    l1 = next(r for r in rows if r["legacy_key"] == "L1")
    assert (l1["entity"], l1["business_key"], l1["reason"], l1["severity"], l1["details"], l1["status"]) == (
        ITEMS, "4711/1", "missing_sales_record", "error", ORPHAN, "open")  # fmt: skip
    assert (l1["first_seen_run"], l1["last_seen_run"], l1["resolved_at"]) == (first, first, None)
    assert {(s["entity"], s["reason"], s["severity"], s["rows"]) for s in listed["summary"]} == {
        (PARENTS, "empty_name", "error", 3), (PARENTS, "invalid_sku", "error", 2),
        (ITEMS, "missing_sales_record", "error", 1), (ITEMS, "unknown_customer", "warning", 1)}  # fmt: skip

    # pages: disjoint, in the same order, together the whole list; the footer says where the next page starts
    pages = [json.loads(cli("rejects", "--json", "--limit", "3", "--offset", str(o))[1]) for o in (0, 3, 6)]
    assert [p["next_offset"] for p in pages] == [3, 6, None]
    assert [r["legacy_key"] for p in pages for r in p["rows"]] == [r["legacy_key"] for r in rows]
    code, out, _ = cli("rejects", "--limit", "3")
    assert code == 0 and out.rstrip().endswith("showing 3 of 7 open rejects; --offset 3 for more")
    assert [row[1] for row in table_rows(out.split("newest first")[1])] == ["P8", "P9", "P1"]
    assert (
        last_line(cli("rejects", "--limit", "3", "--offset", "3"))
        == "showing 4–6 of 7 open rejects; --offset 6 for more"
    )
    assert last_line(cli("rejects", "--limit", "3", "--offset", "6")) == "showing 7–7 of 7 open rejects"

    # the table shows the business key beside the 4D key, and what failed
    code, out, _ = cli("rejects", "--entity", ITEMS)
    assert "4D key" in out and "business key" in out and out.rstrip().endswith("2 open rejects")
    (l1_cells,) = [row for row in table_rows(out) if row[1] == "L1"]
    assert l1_cells[:5] + l1_cells[7:] == [ITEMS, "L1", "4711/1", "missing_sales_record", "error",
                                           "missing_parent=sales_salesrecord key=123"]  # fmt: skip

    # filters
    only = json.loads(cli("rejects", "--json", "--reason", "invalid_sku")[1])
    assert {r["legacy_key"] for r in only["rows"]} == {"P8", "P9"} and only["total"] == 2
    warned = json.loads(cli("rejects", "--json", "--severity", "warning")[1])
    assert [r["legacy_key"] for r in warned["rows"]] == ["L2"]
    assert cli("rejects", "--entity", PARENTS, "--reason", "nothing_like_it")[1].strip() == (
        "no open rejects matching the filters"
    )

    # --all: the resolved one too, with when and by which run
    everything = json.loads(cli("rejects", "--all", "--json")[1])
    assert everything["total"] == 8
    (p0,) = [r for r in everything["rows"] if r["legacy_key"] == "P0"]
    assert (p0["status"], p0["resolved_run"], p0["first_seen_run"]) == ("resolved", second, first)
    assert p0["resolved_at"] is not None
    code, out, _ = cli("rejects", "--all", "--entity", PARENTS)
    resolved_column = {row[1]: row[7] for row in table_rows(out.split("newest first")[1])}
    assert resolved_column["P8"] == "open" and resolved_column["P0"].startswith(p0["resolved_at"][:10])

    # --run: what one run copied
    of_first = json.loads(cli("rejects", "--run", first, "--json", "--entity", PARENTS)[1])
    assert (of_first["run_id"], of_first["total"]) == (first, 4)
    assert set(of_first["rows"][0]) == {"entity", "legacy_key", "business_key", "reason", "severity", "details"}
    footer = last_line(cli("rejects", "--run", first, "--limit", "2"))
    assert footer == f"showing 2 of 6 rejects of run {first}; --offset 2 for more"

    # status counts the open ones
    status = json.loads(cli("status", "--json")[1])
    assert (status["open_rejects"], status["open_rejects_by_severity"]) == (7, {"error": 6, "warning": 1})
    assert "open rejects: 7 (6 not published, 1 published with a warning)" in cli("status")[1]

    # mistakes are one line
    code, _, err = cli("rejects", "--run", "00000000-0000-0000-0000-000000000000")
    assert (code, err) == (1, "pyerp-sync: error: no run 00000000-0000-0000-0000-000000000000 in the history\n")
    code, _, err = cli("rejects", "--severity", "fatal")
    assert code == 2 and "must be error or warning" in err
    code, _, err = cli("rejects", "--run", "last")
    assert code == 2 and "is not a run id" in err
    code, _, err = cli("rejects", "--entity", "products_product")
    assert code == 1 and len(err.strip().splitlines()) == 1


OLD_BOOKKEEPING = """
create schema pyerp_sync;
create table pyerp_sync.runs (
    run_id uuid primary key, flow_run_id text,
    mode text not null check (mode in ('full', 'incremental', 'publish')), only_entities text [],
    is_dry_run boolean not null default false,
    status text not null check (status in ('running', 'succeeded', 'failed')),
    failed_step text, error_class text, error_message text, started_at timestamptz not null default now(),
    completed_at timestamptz
);
create table pyerp_sync.rejects (
    run_id uuid not null references pyerp_sync.runs (run_id) on delete cascade,
    entity text not null, legacy_key text not null, reason text not null,
    severity text not null check (severity in ('error', 'warning')), details text
);
create index rejects_entity on pyerp_sync.rejects (entity, run_id);
insert into pyerp_sync.runs (run_id, mode, status, is_dry_run, started_at) values
    ('00000000-0000-0000-0000-000000000001', 'full', 'succeeded', false, '2026-01-01 02:00+01'),
    ('00000000-0000-0000-0000-000000000002', 'incremental', 'succeeded', false, '2026-01-02 10:00+01'),
    ('00000000-0000-0000-0000-000000000003', 'incremental', 'failed', false, '2026-01-03 10:00+01'),
    ('00000000-0000-0000-0000-000000000004', 'incremental', 'succeeded', true, '2026-01-04 10:00+01');
insert into pyerp_sync.rejects values
    ('00000000-0000-0000-0000-000000000001', 'products_parentproduct', 'A', 'empty_name', 'error', null),
    ('00000000-0000-0000-0000-000000000001', 'sales_address', 'B', 'address_without_customer', 'error', null),
    ('00000000-0000-0000-0000-000000000002', 'products_parentproduct', 'C', 'empty_name', 'error',
     '{"column": "name", "value": ""}'),
    ('00000000-0000-0000-0000-000000000002', 'products_parentproduct', 'D', 'orphan_parent', 'error',
     'Familie 42 fehlt'),
    ('00000000-0000-0000-0000-000000000002', 'products_parentproduct', 'E', 'invalid_sku', 'error', '"quoted"'),
    ('00000000-0000-0000-0000-000000000002', 'products_parentproduct', 'F', 'invalid_sku', 'error', '[1, 2'),
    ('00000000-0000-0000-0000-000000000002', 'products_parentproduct', 'G', 'invalid_sku', 'error', '  '),
    ('00000000-0000-0000-0000-000000000003', 'products_parentproduct', 'H', 'empty_name', 'error', null),
    ('00000000-0000-0000-0000-000000000004', 'sales_address', 'I', 'address_without_customer', 'error', null);
"""


def test_a_bookkeeping_schema_from_before_json_details_is_migrated_once(database_url: str) -> None:
    query(database_url, OLD_BOOKKEEPING)
    with contextlib.closing(psycopg2.connect(database_url)) as conn:
        ensure_bookkeeping(conn)

    def details() -> dict[str, object]:
        return dict(query(database_url, "select legacy_key, details from pyerp_sync.rejects"))

    assert query(
        database_url,
        "select column_name, data_type from information_schema.columns where table_schema = 'pyerp_sync' "
        "and table_name = 'rejects' and column_name in ('details', 'business_key') order by 1",
    ) == [("business_key", "text"), ("details", "jsonb")]
    migrated = {
        "A": None, "B": None, "C": {"column": "name", "value": ""}, "D": "Familie 42 fehlt", "E": '"quoted"',
        "F": "[1, 2", "G": None, "H": None, "I": None,
    }  # fmt: skip
    assert details() == migrated
    # the open state starts from each entity's latest published copy: not the failed run's, not the dry run's
    seeded = query(
        database_url,
        "select entity, legacy_key, first_seen_run::text, last_seen_run::text, resolved_run, details "
        "from pyerp_sync.reject_state order by 1, 2",
    )
    second, first = "00000000-0000-0000-0000-000000000002", "00000000-0000-0000-0000-000000000001"
    assert seeded == [
        *[("products_parentproduct", key, second, second, None, migrated[key]) for key in "CDEFG"],
        ("sales_address", "B", first, first, None, None),
    ]

    # once: applying the bookkeeping again changes nothing (and does not seed again)
    query(database_url, "delete from pyerp_sync.reject_state where entity = 'sales_address'")
    with contextlib.closing(psycopg2.connect(database_url)) as conn:
        ensure_bookkeeping(conn)
    assert details() == migrated
    assert query(database_url, "select count(*) from pyerp_sync.reject_state") == [(5,)]
    # and the new shape is written by the flow as it is
    query(database_url, "insert into pyerp_sync.rejects (run_id, entity, legacy_key, business_key, reason, severity, "
          "details) values (%s, 'sales_address', 'J', '4711', 'address_without_customer', 'error', "
          "'{\"missing_parent\": \"sales_customer\"}')", (first,))  # fmt: skip
    assert details()["J"] == {"missing_parent": "sales_customer"}
