"""The 4D client against the emulator over real HTTP: sessions, 402, retries, paging, filters, errors."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from emulator import EmulatorServer
from extract.client import LegacyClient, RetryPolicy
from extract.errors import AuthenticationFailed, BadRequest, SessionLimitReached, SourceUnavailable
from extract.filters import Eq, In
from tests.extract.conftest import FAST_RETRIES, SCALE


def client_for(server: EmulatorServer, tmp_path: Path, **options) -> LegacyClient:
    options.setdefault("policy", FAST_RETRIES)
    return LegacyClient(server.base_url, tmp_path / "4d-session.json", **options)


def keys(client: LegacyClient, table: str, **options) -> list[str]:
    return [
        e["__KEY"] for page in client.pages(table, key_attribute="UID", attributes=(), **options) for e in page.entities
    ]


def test_one_session_reused_across_runs_with_exactly_one_cookie(emulator: EmulatorServer, tmp_path: Path) -> None:
    with client_for(emulator, tmp_path) as first:
        assert first.sessions_established == 1 and not first.session_reused
        assert len(keys(first, "Kunden", page_size=50)) == 200
        assert len(first._http.cookies) == 0  # the jar never holds 4D's two cookies: one is sent by hand
    with client_for(emulator, tmp_path) as second:
        assert second.session_reused and second.sessions_established == 0
        second.catalog()
    assert emulator.sessions_opened == 1
    assert len({r.session_id for r in emulator.request_log}) == 1


def test_402_backs_off_with_the_same_cookie_and_never_opens_another_session(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    with client_for(emulator, tmp_path, policy=RetryPolicy(session_limit_budget=6.0, max_wait=0.3)) as client:
        cookie = client.session_cookie
        emulator.release_sessions([cookie])  # our session is gone, and another client takes the only licence
        emulator.hold_sessions(1)
        started = time.monotonic()
        with pytest.raises(SessionLimitReached, match="402") as raised:
            client.catalog()
        assert time.monotonic() - started >= 1.0  # it waited (exponential backoff) before giving up
        assert client.session_cookie == cookie
    refused = [r for r in emulator.request_log if r.status == 402]
    assert len(refused) >= 2  # retried, not given up at once
    assert emulator.sessions_opened == 1  # ours only: backing off never took another licence
    assert "\n" not in str(raised.value)


def test_an_unreachable_server_fails_fast_with_a_typed_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    client = LegacyClient(f"http://127.0.0.1:{port}", tmp_path / "s.json", policy=RetryPolicy(start_budget=2.0))
    with pytest.raises(SourceUnavailable) as raised:
        client.open()
    assert time.monotonic() - started < 10
    assert "\n" not in str(raised.value) and str(port) in str(raised.value)
    default = RetryPolicy()
    assert default.start_budget + default.connect_timeout + 15 < 60  # the contract: fail within 60 s


def test_credentials_log_in_and_a_wrong_password_is_a_typed_error(tmp_path: Path) -> None:
    with EmulatorServer(scale=SCALE, credentials=("sync", "s3cret"), max_sessions=1) as server:
        with client_for(server, tmp_path / "a", username="sync", password="s3cret") as client:
            assert "Kunden" in client.catalog()
        assert any(r.path == "/rest/$directory/login" and r.status == 200 for r in server.request_log)
        with pytest.raises(AuthenticationFailed) as raised:
            client_for(server, tmp_path / "b", username="sync", password="wrong").open()
        assert "wrong" not in str(raised.value) and "sync" in str(raised.value)


def test_a_filter_value_with_quotes_cannot_change_the_query(emulator: EmulatorServer, tmp_path: Path) -> None:
    some = next(iter(emulator.rows("Artikel_Familie")))
    with client_for(emulator, tmp_path) as client:
        assert keys(client, "Artikel_Familie", filter=Eq("Nummer", some["Nummer"])) == [some["__KEY"]]
        assert keys(client, "Artikel_Familie", filter=Eq("Nummer", "x' OR Nummer != 'y")) == []
        assert keys(client, "Artikel_Familie", filter=Eq("Nummer", 'x" OR Nummer != "y')) == []
        assert keys(client, "Artikel_Familie", filter=In("Nummer", [some["Nummer"], "it's"])) == [some["__KEY"]]


def test_key_ordered_paging_stays_exact_while_the_table_changes(emulator: EmulatorServer, tmp_path: Path) -> None:
    with client_for(emulator, tmp_path) as client:
        pages = client.pages("Kunden", key_attribute="UID", attributes=("KundenNr",), page_size=30)
        seen = [e["__KEY"] for e in next(pages).entities]
        before = {row["__KEY"] for row in emulator.rows("Kunden")}
        gone = emulator.delete("Kunden", count=5).deleted.get("Kunden", [])
        emulator.insert("Kunden", count=5)
        for page in pages:
            seen.extend(e["__KEY"] for e in page.entities)
    assert len(seen) == len(set(seen)), "a row was read twice"
    assert (before - set(gone)) <= set(seen), "a row that existed throughout was skipped"


def test_errors_and_drops_are_retried_but_a_bad_query_is_not(emulator: EmulatorServer, tmp_path: Path) -> None:
    emulator.faults.update(error_rate=0.3, error_status=503, drop_rate=0.2)
    with client_for(emulator, tmp_path) as client:
        assert len(keys(client, "Belege", page_size=100)) == 1000
        emulator.faults.reset()
        with pytest.raises(BadRequest, match="NoSuchAttribute"):
            list(client.pages("Belege", key_attribute="UID", attributes=("NoSuchAttribute",)))
        assert sum("NoSuchAttribute" in r.query for r in emulator.request_log) == 1  # not retried
    assert any(r.dropped for r in emulator.request_log) and any(r.status == 503 for r in emulator.request_log)


def test_key_pages_by_the_primary_key_when_asked_for_key(emulator: EmulatorServer, tmp_path: Path) -> None:
    """``__KEY`` cannot be filtered or ordered on in 4D: the client pages by the catalog's primary key instead."""
    with client_for(emulator, tmp_path) as client:
        assert len(keys(client, "Kunden", page_size=70)) == 200
        assert [
            e["__KEY"]
            for p in client.pages("Kunden", key_attribute="__KEY", attributes=(), page_size=70)
            for e in p.entities
        ] == [row["__KEY"] for row in emulator.rows("Kunden")]
    assert all("__KEY" not in r.query for r in emulator.request_log)
