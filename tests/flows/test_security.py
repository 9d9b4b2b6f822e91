"""Credentials never leak: not into error messages, the run history, the logs or the stored 4D session."""

from __future__ import annotations

import logging

import psycopg2
import pytest

from emulator import EmulatorServer
from flows.errors import SyncFailed
from flows.history import list_runs
from flows.settings import Settings
from flows.sync import legacy_sync

pytestmark = pytest.mark.integration

PASSWORD = "s3cret-Pw-4711"
WRONG = "wrong-Pw-0815"


def test_credentials_stay_out_of_errors_history_logs_and_session_file(
    create_database, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with EmulatorServer(scale=0.005, seed=3, credentials=("sync", PASSWORD)) as server:
        url = create_database()
        settings = Settings(
            database_url=url,
            target_schema="pyerp",
            home=tmp_path / "home",
            legacy_url=server.base_url,
            legacy_username="sync",
            legacy_password=WRONG,
        )
        with pytest.raises(SyncFailed) as refused:
            legacy_sync(only=["business_employee"], settings=settings)
        assert refused.value.error_class == "authentication"
        legacy_sync(only=["business_employee"], settings=settings.replace(legacy_password=PASSWORD))

    (newest, failed) = list_runs(psycopg2.connect(url), 2)
    assert (failed.status, newest.status) == ("failed", "succeeded")
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select coalesce(string_agg(to_jsonb(runs)::text, ' '), '') from pyerp_sync.runs")
        history = cur.fetchone()[0]
    stored = "".join(p.read_text() for p in (tmp_path / "home").rglob("*.json"))
    for secret in (PASSWORD, WRONG):
        assert secret not in str(refused.value)
        assert secret not in history
        assert secret not in caplog.text
        assert secret not in stored
