"""Shared fixtures: a real PostgreSQL for the whole test session, and fresh databases on it.

The server is the one named by PYERP_SYNC_TEST_DATABASE_URL (CI: the machine's PostgreSQL); when that is unset, an
embedded server under .pyerp-sync/test-postgres. Tests never read PYERP_SYNC_DATABASE_URL, and they drop every
database they create.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg2
import pytest

from extract import client as client_module
from extract.client import RetryPolicy
from flows import sync as sync_module
from flows.database import ConnectionParts, check_database
from flows.settings import PROJECT_ROOT, Settings, test_database_url
from flows.target import OWNED_DATABASE_MARKER

_counter = itertools.count()

# Prefect reads its settings when first imported (during collection, before any fixture runs): keep the tests'
# Prefect state inside the project and offline. One Prefect home (its SQLite database, its temporary API server) per
# pytest-xdist worker: set, not defaulted, since each worker inherits the controller's environment.
os.environ["PREFECT_HOME"] = str(
    PROJECT_ROOT / ".pyerp-sync" / "test-prefect" / os.environ.get("PYTEST_XDIST_WORKER", "main")
)
Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)  # Prefect's SQLite needs the folder to exist
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")  # as the CLI sets it (cli/common.py)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--world-scale",
        type=float,
        default=None,
        help="scale of the 4D data of the shared synced world (default 0.01); "
        "`pytest tests/flows/test_conflicts_flow.py --world-scale 1` checks the history figures at scale 1",
    )


@pytest.fixture(autouse=True, scope="session")
def _isolate_from_user_configuration() -> Iterator[None]:
    """A developer's own database or 4D server must never be touched by the tests."""
    saved = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith(("PYERP_SYNC_", "LEGACY_4D_"))}
    keep = saved.get("PYERP_SYNC_TEST_DATABASE_URL")
    if keep:
        os.environ["PYERP_SYNC_TEST_DATABASE_URL"] = keep
    yield
    os.environ.update(saved)


@pytest.fixture(scope="session")
def pg_admin_url(_isolate_from_user_configuration: None) -> str:
    """A URL on a server where the tests may create and drop databases."""
    url = test_database_url()
    if url is None:
        from flows.database import start_embedded

        home = PROJECT_ROOT / ".pyerp-sync" / "test-postgres-home"
        url = start_embedded(
            Settings(database_url=None, target_schema="pyerp", home=home, legacy_url=None, legacy_username=None)
        )
    check_database(url)
    return url


@pytest.fixture(scope="session")
def create_database(pg_admin_url: str) -> Iterator[Callable[..., str]]:
    """Factory: a new database on the test server (empty, or a copy of a template); its URL. All are dropped at the
    end of the session."""
    parts = ConnectionParts.from_url(pg_admin_url)
    created: list[str] = []

    def admin_execute(sql: str) -> None:
        conn = psycopg2.connect(pg_admin_url)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def create(template_url: str | None = None, owned_by_sync: bool = True) -> str:
        """An empty database, or a copy of the one at ``template_url`` (nobody may be connected to that one).

        ``owned_by_sync``: marked as the sync's own, as pyerp-sync's tools mark the databases they create, so a
        run creates pyERP's missing tables there; unmarked, it stands for a real pyERP's database."""
        name = f"pyerp_sync_test_{os.getpid()}_{next(_counter)}"
        template = f' template "{ConnectionParts.from_url(template_url).dbname}"' if template_url else ""
        admin_execute(f'create database "{name}"{template}')
        created.append(name)
        if owned_by_sync:
            admin_execute(f"comment on database \"{name}\" is '{OWNED_DATABASE_MARKER}'")
        return parts.to_url(dbname=name)

    yield create
    for name in created:
        admin_execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def database_url(create_database: Callable[[], str]) -> str:
    """A fresh, empty database for one test."""
    return create_database()


@pytest.fixture
def settings_for(tmp_path: Path) -> Callable[..., Settings]:
    """Settings pointing at a given database, with the data folder in the test's tmp dir."""

    def make(database_url: str | None, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": database_url,
            "target_schema": "pyerp",
            "home": tmp_path / "home",
            "legacy_url": None,
            "legacy_username": None,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same retries, in seconds instead of minutes: the 4D client's budgets (about a minute for transient
    failures, 30 s at start) and the extract step's retry delays (10 s, 20 s). What retries stays the same."""
    short = functools.partial(
        RetryPolicy, transient_budget=3.0, start_budget=2.0, session_limit_budget=5.0, max_wait=0.5
    )
    monkeypatch.setattr(client_module, "RetryPolicy", short)
    monkeypatch.setattr(
        sync_module, "extract_legacy_4d", sync_module.extract_legacy_4d.with_options(retry_delay_seconds=[0.5, 1.0])
    )


# Whole-sync fault and soak modules first: with pytest-xdist (loadscope) a worker takes a module at a time, so the
# longest ones starting last would leave one worker busy alone at the end.
SLOW_FIRST = ("tests/faults/", "tests/benchmarks/", "tests/flows/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::")[0]
        return next((i for i, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)), len(SLOW_FIRST))

    items.sort(key=rank)  # stable: the order within a rank stays as collected
