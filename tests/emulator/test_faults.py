"""Each fault switch, over real HTTP."""

from __future__ import annotations

import time

import pytest
import requests

from .conftest import rest


def test_latency(make_server) -> None:
    server = make_server()
    server.faults.update(latency_seconds=0.3)
    started = time.perf_counter()
    requests.get(rest(server, "Formen"))
    assert time.perf_counter() - started >= 0.3


def test_latency_spikes_delay_only_the_latency_rate_share_of_requests(make_server) -> None:
    server = make_server()
    server.faults.update(latency_seconds=0.2, latency_rate=0.25)
    with requests.Session() as client:
        for _ in range(40):
            assert client.get(rest(server, "Formen")).status_code == 200
    slow = sum(record.duration_ms >= 200 for record in server.request_log)
    assert 3 <= slow <= 20, slow  # 10 expected; the draws are seeded, so this does not flake
    assert server.faults.settings()["latency_rate"] == 0.25
    server.faults.reset()
    assert server.faults.settings()["latency_rate"] == 1.0  # the default: every request, as before
    with pytest.raises(ValueError, match="latency_rate"):
        server.faults.update(latency_rate=1.5)


def test_error_rate_answers_the_configured_status(make_server) -> None:
    server = make_server()
    server.faults.update(error_rate=1.0, error_status=503)
    response = requests.get(rest(server, "Formen"))
    assert response.status_code == 503 and response.json()["__ERROR"]
    server.faults.update(error_rate=0.5, error_status=500)
    statuses = {requests.get(rest(server, "Formen"), cookies={"WASID4D": "x"}).status_code for _ in range(40)}
    assert 500 in statuses


def test_dropped_connection_mid_body(make_server) -> None:
    server = make_server()
    server.faults.update(drop_rate=1.0)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(rest(server, "Belege_Pos"), params={"$top": 3000})
    assert server.request_log[-1].dropped


def test_top_cap(make_server) -> None:
    server = make_server()
    server.faults.update(top_cap=10)
    body = requests.get(rest(server, "Belege"), params={"$top": 500}).json()
    assert body["__SENT"] == 10 and body["__COUNT"] == 1000


def test_strict_date_filters_refuse_strict_comparisons(make_server) -> None:
    server = make_server()
    with requests.Session() as client:
        assert client.get(rest(server, "Belege"), params={"$filter": "Datum > '2020-01-01'"}).status_code == 200
        server.faults.update(strict_date_filters=True)
        for operator in (">", "<"):
            response = client.get(rest(server, "Belege"), params={"$filter": f"Datum {operator} '2020-01-01'"})
            assert response.status_code == 500 and response.json()["__ERROR"]
        assert client.get(rest(server, "Belege"), params={"$filter": "Datum >= '2020-01-01'"}).status_code == 200
        assert client.get(rest(server, "Belege"), params={"$filter": "AbsNr > 1500"}).status_code == 200


def test_down_server_closes_connections_without_answer(make_server) -> None:
    server = make_server()
    server.faults.update(down=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(rest(server, "Formen"))
    assert server.request_log[-1].status == 0
    server.faults.update(down=False)
    assert requests.get(rest(server, "Formen")).status_code == 200


def test_server_dies_after_n_more_requests(make_server) -> None:
    server = make_server()
    requests.post(f"{server.base_url}/_admin/faults", json={"fail_after": 2}).raise_for_status()
    with requests.Session() as client:
        assert client.get(rest(server, "Formen")).status_code == 200
        assert client.get(rest(server, "Formen")).status_code == 200
        with pytest.raises(requests.exceptions.ConnectionError):
            client.get(rest(server, "Formen"))
    assert requests.get(f"{server.base_url}/_admin/faults").json()["down"] is True


def test_stopped_server_refuses_connections(make_server) -> None:
    server = make_server()
    url = rest(server, "Formen")
    assert requests.get(url).status_code == 200
    server.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url, timeout=2)


def test_bad_fault_settings_are_rejected(make_server) -> None:
    server = make_server()
    with pytest.raises(ValueError, match="unknown fault"):
        server.faults.update(speed=1)
    response = requests.post(f"{server.base_url}/_admin/faults", json={"error_rate": 2})
    assert response.status_code == 400
