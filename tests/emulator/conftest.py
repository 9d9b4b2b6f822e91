"""Fixtures: emulators on free ports, talked to with plain ``requests`` over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests

from emulator import EmulatorServer


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    """A read-only emulator shared by a test module (scale 0.01, seed 42, generous session limit)."""
    with EmulatorServer(scale=0.01, seed=42, max_sessions=50) as running:
        yield running


@pytest.fixture
def make_server() -> Iterator[Callable[..., EmulatorServer]]:
    """Factory for fresh emulators (tests that mutate, set faults or use up sessions); all stopped afterwards."""
    started: list[EmulatorServer] = []

    def make(**options) -> EmulatorServer:
        options.setdefault("scale", 0.01)
        running = EmulatorServer(**options).start()
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


@pytest.fixture
def client() -> Iterator[requests.Session]:
    """One HTTP client that keeps its cookie, as a well-behaved extractor does."""
    with requests.Session() as session:
        yield session


def rest(server: EmulatorServer, path: str) -> str:
    return f"{server.base_url}/rest/{path}"
