"""Fault tests: one uninterrupted reference run per test session, and fresh worlds to break things in.

Every scenario builds the same 4D data (same scale and seed, so the same rows), breaks something during a run,
reruns, and compares every pyERP table with the reference run (``convergence.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from emulator import EmulatorServer
from flows.settings import Settings
from flows.sync import legacy_sync
from tests.faults.convergence import Content, pyerp_content

SCALE = 0.005
SEED = 11


@dataclass
class FaultWorld:
    server: EmulatorServer
    settings: Settings
    url: str


@pytest.fixture(scope="session")
def reference_content(create_database, tmp_path_factory: pytest.TempPathFactory) -> Content:
    """pyERP's content after one uninterrupted full run on the fault tests' 4D data."""
    with EmulatorServer(scale=SCALE, seed=SEED) as server:
        url = create_database()
        legacy_sync(full=True, settings=_settings(server, url, tmp_path_factory.mktemp("reference-home")))
        return pyerp_content(url)


@pytest.fixture
def fault_world(create_database, tmp_path: Path) -> Iterator[FaultWorld]:
    """A fresh emulator with the reference data, an empty database, settings for both; nothing run yet."""
    with EmulatorServer(scale=SCALE, seed=SEED) as server:
        url = create_database()
        yield FaultWorld(server, _settings(server, url, tmp_path / "home"), url)


def _settings(server: EmulatorServer, url: str, home: Path) -> Settings:
    return Settings(
        database_url=url, target_schema="pyerp", home=home, legacy_url=server.base_url, legacy_username=None
    )
