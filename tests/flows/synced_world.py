"""One synced world for the test session: the emulator over HTTP, a database, one full run already done; and the
``pyerp-sync`` CLI run as a person runs it (a subprocess) against that world.

A full run is the expensive part, so the docs, reconcile and conflict tests share this one. Each test leaves pyERP
and 4D consistent with each other (a test that edits pyERP by hand puts it back), so the order does not matter.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

from emulator import EmulatorServer
from flows.history import SyncReport
from flows.settings import Settings
from flows.sync import legacy_sync

SCALE = 0.01
SEED = 7


@dataclass
class World:
    server: EmulatorServer
    settings: Settings
    url: str
    full_run: SyncReport  # the first run: full, into empty pyERP tables
    cwd: Path  # where the CLI runs: no .env there

    def query(self, statement: str, params: tuple = ()) -> list[tuple]:
        with contextlib.closing(psycopg2.connect(self.url)) as conn, conn, conn.cursor() as cur:
            cur.execute(statement, params or None)  # no parameters: a literal % stays as it is
            return cur.fetchall() if cur.description else []

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """``pyerp-sync ARGS`` in a child process, configured only by environment variables."""
        env = {
            **os.environ,
            "PYERP_SYNC_DATABASE_URL": self.url,
            "PYERP_SYNC_HOME": str(self.settings.home),
            "LEGACY_4D_URL": self.server.base_url,
        }
        return subprocess.run(
            [sys.executable, "-m", "flows.cli", *args],
            env=env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def planted_errors(self, table: str) -> set[str]:
        """4D keys of the rows the emulator planted an error-severity defect in."""
        return {e["key"] for e in self.server.manifest if e["table"] == table and e["severity"] == "error"}


@pytest.fixture(scope="session")
def synced_world(
    create_database, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[World]:
    scale = request.config.getoption("--world-scale") or SCALE
    with EmulatorServer(scale=scale, seed=SEED) as server:
        url = create_database()
        home = tmp_path_factory.mktemp("synced-home")
        settings = Settings(
            database_url=url, target_schema="pyerp", home=home, legacy_url=server.base_url, legacy_username=None
        )
        report = legacy_sync(full=True, settings=settings)
        yield World(server, settings, url, report, tmp_path_factory.mktemp("cli-cwd"))
