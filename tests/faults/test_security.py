"""Hostile input and least privilege (credentials never leaking is tests/flows/test_security.py):

- 4D keys and values holding quotes, ``&``, ``%``, parentheses, `` OR 1=1``, ``$filter=`` and SQL fragments are
  data, nothing more: synced full and then incrementally (where keys go into ``UID > '…'`` paging and ``UID IN
  [...]`` filters), they land and publish exactly, every filter 4D received parses as the intended conditions on
  the intended values, and 4D sent no row the sync did not ask for. (No configured value reaches a filter: table
  names come from the registry, credentials only go into the login headers.)
- SQL identifiers from the configuration: a target schema with SQL in it, quotes, or a PostgreSQL system name is
  refused by ``pyerp-sync run`` with one line on stderr before anything is created or 4D is contacted.
- Least privilege: the README's role (its SQL block, run as is) runs a full and an incremental sync, and cannot
  drop, truncate, delete from or alter a pyERP table, nor create anything outside its own schemas.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl

import psycopg2
import pytest

from emulator import EmulatorServer
from emulator.filters import Comparison, Conjunction, ListValue, Node, parse_filter
from extract.records import parse_legacy_date
from flows.database import ConnectionParts
from flows.history import list_runs
from flows.settings import PROJECT_ROOT, ConfigError, Settings, load_settings
from flows.sync import legacy_sync
from flows.target import ensure_target_tables
from tests.drift_proxy import DriftProxy, running
from tests.faults.conftest import SCALE, SEED

pytestmark = pytest.mark.integration

# Keys as 4D could hold them if UID were free text: upper case (4D orders keys case-insensitively), at most 32
# characters. Two exist before the first run; two are added with an old modified_date after it, so only the
# incremental run's count check finds them and fetches them by key (``UID IN [...]``).
HOSTILE_KEYS = ("7A' OR 1=1 OR UID>'", '7B") | (UID # "X" & 1=1')
LATE_KEYS = ("7C%27&$FILTER=UID%3E''&$TOP=9", "7D'); DROP TABLE X; --")
HOSTILE_TEXT = "Form 'A' \"B\" \\u0027 %s %(x)s $filter=1 OR 1=1); DROP TABLE pyerp.production_mold; -- & ? # @ \\N"


def query(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    with contextlib.closing(psycopg2.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(statement, params or None)
        return cur.fetchall() if cur.description else []


def plant(server: EmulatorServer, table: str, template_key: str, key: str, **values: object) -> None:
    """A copy of a 4D row under ``key`` (its UID too), with some attributes changed, as if 4D held it."""
    data = server.store.tables[table]
    with server.store.lock:
        row = list(data.rows[template_key])
        row[0] = key
        for name, value in {"UID": key, **values}.items():
            row[data.index(name)] = value
        data.add(tuple(row))


def conditions(node: Node) -> Iterator[Comparison]:
    if isinstance(node, Comparison):
        yield node
        return
    assert isinstance(node, Conjunction) and node.kind == "and", node  # no OR, EXCEPT or NOT smuggled in
    yield from conditions(node.left)
    yield from conditions(node.right)


def key_values(comparison: Comparison) -> list[str]:
    value = comparison.value
    items = value.items if isinstance(value, ListValue) else (value,)
    assert all(item.quoted for item in items), comparison  # every key arrives as one quoted string
    return [item.text for item in items]


def test_hostile_keys_and_values_are_data_full_and_incremental(create_database, tmp_path: Path) -> None:
    with EmulatorServer(scale=SCALE, seed=SEED) as server, running(DriftProxy(server)) as proxy:
        molds = sorted(server.rows("Formen"), key=lambda r: parse_legacy_date(r["modified_date"]))
        oldest, number = molds[0]["__KEY"], max(r["FormNr"] for r in molds)
        for offset, key in enumerate(HOSTILE_KEYS, 1):
            plant(server, "Formen", oldest, key, FormNr=number + offset, Bezeichnung=HOSTILE_TEXT,
                  Lagerort=f"Regal '{offset}' & \"{offset}\"", Bemerkung=f"{HOSTILE_TEXT}\nzweite Zeile")  # fmt: skip
        server.faults.update(top_cap=1)  # one row per page: every key ends a page and starts the next filter
        url = create_database()
        sync_settings = Settings(
            database_url=url, target_schema="pyerp", home=tmp_path / "home", legacy_url=proxy.base_url,
            legacy_username=None,
        )  # fmt: skip
        legacy_sync(full=True, only=["production_mold"], settings=sync_settings)
        full_requests = len(proxy.log)
        seen_by_full = {r["__KEY"]: parse_legacy_date(r["modified_date"]) for r in server.rows("Formen")}

        for offset, key in enumerate(LATE_KEYS, 10):
            plant(server, "Formen", oldest, key, FormNr=number + offset, Bezeichnung=f"{HOSTILE_TEXT} {offset}")
        server.update("Formen", keys=[HOSTILE_KEYS[0]])
        legacy_sync(only=["production_mold"], settings=sync_settings)
        rows = list(server.rows("Formen"))

    # landed and published exactly, nothing rejected, both runs succeeded
    expected = {
        (r["__KEY"], str(r["FormNr"]), r["Bezeichnung"], r["Lagerort"], not r["Sperre"], r["Bemerkung"] or "")
        for r in rows
    }
    published = query(url, "select legacy_uuid, legacy_form_nr, description, storage_location, is_active, notes "
                           "from pyerp.production_mold")  # fmt: skip
    assert len(published) == len(rows) == 10 and set(published) == expected
    assert query(url, "select count(*) from pyerp_sync.rejects") == [(0,)]
    assert [r.status for r in list_runs(psycopg2.connect(url), 2)] == ["succeeded", "succeeded"]

    # every filter 4D received is conditions on UID and modified_date joined by AND, every UID value a real key
    keys = {r["__KEY"] for r in rows}
    filtered: list[tuple[list[Comparison], list[str]]] = []
    for path, raw_query, sent in proxy.log:
        options = dict(parse_qsl(raw_query, keep_blank_values=True))
        if path == "/rest/Formen" and "$filter" in options:
            found = list(conditions(parse_filter(options["$filter"])))
            assert {c.path for c in found} <= {("UID",), ("modified_date",)}, options["$filter"]
            assert all(set(key_values(c)) <= keys for c in found if c.path == ("UID",)), options["$filter"]
            filtered.append((found, sent))
    in_lists = [sorted(key_values(c)) for found, _ in filtered for c in found if c.operator == "in"]
    after_key = [key for found, _ in filtered for c in found if c.operator == ">" for key in key_values(c)]
    assert in_lists and all(keys == sorted(LATE_KEYS) for keys in in_lists)  # fetched by key, exactly these
    assert set(HOSTILE_KEYS) <= set(after_key)  # each hostile key started a page's filter

    # no extra rows: the incremental run was sent the rows of its modified_date window and the two late keys
    window_start = max(seen_by_full.values()) - timedelta(days=1)
    window = {r["__KEY"] for r in rows if r["__KEY"] in seen_by_full and parse_legacy_date(r["modified_date"])
              >= window_start}  # fmt: skip
    assert HOSTILE_KEYS[0] in window and not set(LATE_KEYS) & window
    data_pages = [sent for path, raw_query, sent in proxy.log[full_requests:]
                  if path == "/rest/Formen" and "Bezeichnung" in raw_query]  # fmt: skip
    sent_keys = [key for page in data_pages for key in page]
    assert sorted(sent_keys) == sorted(window | set(LATE_KEYS))


def cli_run(url: str, home: Path, target_schema: str, legacy_url: str) -> subprocess.Popen[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYERP_SYNC_", "LEGACY_4D_"))},
        "PYERP_SYNC_DATABASE_URL": url,
        "PYERP_SYNC_HOME": str(home),
        "PYERP_SYNC_TARGET_SCHEMA": target_schema,
        "LEGACY_4D_URL": legacy_url,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "run"],
        env=env,
        cwd=home.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_target_schema_with_sql_or_quotes_is_refused_before_any_work(create_database, tmp_path: Path) -> None:
    hostile = ["pyerp; drop table x", 'pyerp"; drop schema public cascade; --', "pyerp' or '1'='1", "pg_catalog"]
    url = create_database()
    schemas_before = query(url, "select nspname from pg_namespace order by 1")
    with socket.socket() as four_d:  # a "4D server" that would see any connection attempt in its backlog
        four_d.bind(("127.0.0.1", 0))
        four_d.listen(8)
        legacy_url = f"http://127.0.0.1:{four_d.getsockname()[1]}"
        runs = [(name, tmp_path / f"case{i}" / "home") for i, name in enumerate(hostile)]
        for _, home in runs:
            home.parent.mkdir()
        processes = [(name, home, cli_run(url, home, name, legacy_url)) for name, home in runs]
        for name, home, process in processes:
            out, err = process.communicate(timeout=120)
            lines = err.strip().splitlines()
            assert process.returncode == 1 and len(lines) == 1, (name, err)
            assert lines[0].startswith("pyerp-sync: error: PYERP_SYNC_TARGET_SCHEMA="), lines
            assert repr(name) in lines[0] and "Traceback" not in err and out == ""
            assert not home.exists()  # no data folder, no dlt state, no Prefect home
        four_d.setblocking(False)
        with pytest.raises(BlockingIOError):
            four_d.accept()  # nobody knocked
    assert query(url, "select nspname from pg_namespace order by 1") == schemas_before


@pytest.mark.parametrize("name", ["pg_temp_1", "pg_toast", "information_schema"])
def test_settings_refuse_postgresql_system_schema_names(name: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PYERP_SYNC_TARGET_SCHEMA", name)
    with pytest.raises(ConfigError, match="system schema"):
        load_settings(env_file=tmp_path / "absent.env")


def readme_grants() -> str:
    """The SQL block of the README's "Least-privilege database role" section: the one source of the grants."""
    section = (PROJECT_ROOT / "README.md").read_text().split("### Least-privilege database role", 1)[1]
    return re.search(r"```sql\n(.*?)```", section, re.S).group(1)


def test_the_readme_role_syncs_and_can_do_nothing_else(create_database, pg_admin_url: str, tmp_path: Path) -> None:
    role = f"pyerp_sync_writer_{os.getpid()}"  # roles are cluster-wide: one per test process
    grants = readme_grants()
    assert "superuser" in grants and "pyerp_sync_writer" in grants
    url = create_database()
    admin = psycopg2.connect(url)
    admin.autocommit = True
    try:
        # as Django would: pyERP's tables created by their owner; and a table of someone else in public
        ensure_target_tables(admin, "pyerp")
        with admin.cursor() as cur:
            parts = ConnectionParts.from_url(url)
            cur.execute(f'revoke all on database "{parts.dbname}" from public')  # only what the README grants
            cur.execute("create table public.payroll (amount int); insert into public.payroll values (1)")
            cur.execute(grants.replace("pyerp_sync_writer", role))
        role_url = replace(parts, user=role, password="change-me").to_url()
        with EmulatorServer(scale=SCALE, seed=SEED) as server:
            sync_settings = Settings(database_url=role_url, target_schema="pyerp", home=tmp_path / "home",
                                     legacy_url=server.base_url, legacy_username=None)  # fmt: skip
            legacy_sync(full=True, settings=sync_settings)
            variants = [r["__KEY"] for r in server.rows("Artikel_Variante")]
            planted = {e["key"] for e in server.manifest}
            changed = next(key for key in variants if key not in planted)
            server.update("Artikel_Variante", keys=[changed])
            server.update("Belege", count=3)
            incremental = legacy_sync(settings=sync_settings)
        figures = {r.entity: r for r in incremental.entities}
        assert figures["products_variantproduct"].updated == 1 and figures["sales_salesrecord"].updated >= 3
        assert [r.status for r in list_runs(psycopg2.connect(role_url), 2)] == ["succeeded", "succeeded"]
        customers = {r["__KEY"] for r in server.rows("Kunden")}
        assert {key for (key,) in query(role_url, "select legacy_id from pyerp.sales_customer")} == customers

        (attributes,) = query(url, "select rolsuper, rolcreatedb, rolcreaterole from pg_roles where rolname = %s",
                              (role,))  # fmt: skip
        assert attributes == (False, False, False)
        forbidden = [
            "drop table pyerp.production_mold",
            "truncate pyerp.sales_customer",
            "delete from pyerp.sales_customer",
            "alter table pyerp.sales_customer add column note text",
            "create table pyerp.extra (x int)",
            "create table public.extra (x int)",
            "select * from public.payroll",
            "create schema extra",
            "drop schema pyerp cascade",
            "drop schema public cascade",
        ]
        with contextlib.closing(psycopg2.connect(role_url)) as conn:
            for statement in forbidden:
                with pytest.raises(psycopg2.errors.InsufficientPrivilege), conn.cursor() as cur:
                    try:
                        cur.execute(statement)
                    finally:
                        conn.rollback()
        # everything the role owns is in its own schemas
        owned = query(url, "select distinct n.nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                           "where c.relowner = %s::regrole and n.nspname not like 'pg_temp%%' "
                           "and n.nspname not like 'pg_toast%%'", (role,))  # fmt: skip
        assert {name for (name,) in owned} <= {"legacy_raw", "legacy_raw_staging", "legacy_staging", "legacy_marts",
                                               "pyerp_sync"}  # fmt: skip
        assert query(url, "select count(*) from pyerp.production_mold") == [(6,)]
    finally:
        with admin.cursor() as cur:
            cur.execute("select pg_terminate_backend(pid) from pg_stat_activity where usename = %s", (role,))
            cur.execute("select count(*) from pg_roles where rolname = %s", (role,))
            if cur.fetchone()[0]:
                cur.execute(f'drop owned by "{role}" cascade')
        admin.close()
        with contextlib.closing(psycopg2.connect(pg_admin_url)) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f'drop role if exists "{role}"')
