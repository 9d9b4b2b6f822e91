"""Sessions: one per client that keeps its cookie, the licence limit (402), idle expiry, credentials (401)."""

from __future__ import annotations

import time

import requests

from .conftest import rest


def test_a_client_that_keeps_its_cookie_uses_one_session(make_server) -> None:
    server = make_server(max_sessions=1)
    with requests.Session() as client:
        for _ in range(5):
            assert client.get(rest(server, "Formen")).status_code == 200
    assert server.sessions_opened == 1 and len(server.sessions) == 1
    assert len({record.session_id for record in server.request_log}) == 1


def test_requests_without_cookie_leak_sessions_until_402(make_server) -> None:
    server = make_server(max_sessions=3)
    statuses = [requests.get(rest(server, "Formen")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 402]
    assert server.sessions_opened == 3


def test_either_cookie_name_is_accepted(make_server) -> None:
    server = make_server(max_sessions=1)
    session_id = requests.get(rest(server, "$info")).cookies["4DSID_WSZ-DB"]
    for name in ("WASID4D", "4DSID_WSZ-DB"):
        response = requests.get(rest(server, "Formen"), cookies={name: session_id})
        assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_sessions_held_by_another_client_use_up_licences(make_server) -> None:
    server = make_server(max_sessions=2)
    held = server.hold_sessions(2)
    assert requests.get(rest(server, "$info")).status_code == 402
    assert server.release_sessions() == 2 and set(held).isdisjoint(server.sessions)
    assert requests.get(rest(server, "$info")).status_code == 200
    admin = requests.post(f"{server.base_url}/_admin/sessions", json={"hold": 1}).json()
    assert admin["held"][0] in server.sessions


def test_idle_sessions_expire_and_free_their_licence(make_server) -> None:
    server = make_server(max_sessions=1, session_idle_timeout=0.3)
    with requests.Session() as client:
        client.get(rest(server, "$info"))
        old = client.cookies["WASID4D"]
        assert requests.get(rest(server, "$info")).status_code == 402
        time.sleep(0.5)
        renewed = client.get(rest(server, "$info"))
        assert renewed.status_code == 200 and renewed.cookies["WASID4D"] != old


def test_using_a_session_refreshes_its_idle_timer(make_server) -> None:
    server = make_server(max_sessions=1, session_idle_timeout=0.6)
    with requests.Session() as client:
        client.get(rest(server, "$info"))
        for _ in range(4):
            time.sleep(0.25)
            assert "Set-Cookie" not in client.get(rest(server, "$info")).headers
    assert server.sessions_opened == 1


def test_logout_frees_the_licence(make_server) -> None:
    server = make_server(max_sessions=1)
    with requests.Session() as client:
        client.get(rest(server, "$info"))
        client.get(rest(server, "$directory/logout"))
    assert server.sessions == [] and requests.get(rest(server, "$info")).status_code == 200


def test_credentials_are_checked_when_configured(make_server) -> None:
    server = make_server(credentials=("sync", "secret"))
    refused = requests.get(rest(server, "$info"))
    assert refused.status_code == 401 and refused.json()["__ERROR"][0]["errCode"] == 1822
    assert refused.headers["4D-CREDENTIALS"] == "1.0" and "Set-Cookie" not in refused.headers
    wrong = requests.post(rest(server, "$directory/login"), headers={"username-4D": "sync", "password-4D": "no"})
    assert wrong.status_code == 401
    with requests.Session() as client:
        login = client.post(rest(server, "$directory/login"), headers={"username-4D": "sync", "password-4D": "secret"})
        assert login.json() == {"result": True}
        assert client.get(rest(server, "Formen")).status_code == 200  # the cookie carries the login
        user = client.get(rest(server, "$directory/currentUser")).json()
        assert user["result"]["userName"] == "sync"
    assert server.sessions_opened == 1


def test_session_length_header_sets_the_lifetime_reported_by_info(make_server) -> None:
    server = make_server()
    with requests.Session() as client:
        client.post(rest(server, "$directory/login"), headers={"session-4D-length": "120"})
        info = client.get(rest(server, "$info")).json()
        assert [s["lifeTime"] for s in info["sessionInfo"]] == [7200]
    with requests.Session() as client:  # below the documented minimum of 60 minutes
        client.post(rest(server, "$directory/login"), headers={"session-4D-length": "5"})
        lifetimes = sorted(s["lifeTime"] for s in client.get(rest(server, "$info")).json()["sessionInfo"])
        assert lifetimes == [3600, 7200]
