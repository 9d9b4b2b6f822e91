"""The foundation's database contract: one URL reaches psycopg2, dlt and dbt; errors are one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dlt
import psycopg2
import pytest

from flows.database import ConnectionParts, DatabaseError, check_database, tool_environment
from flows.dbt_runner import invoke_dbt
from flows.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration


def test_connection_parts_round_trip_tcp_and_socket() -> None:
    tcp = ConnectionParts.from_url("postgresql://u%40x:p%2Fw@db.example:6543/erp")
    assert (tcp.host, tcp.port, tcp.user, tcp.password, tcp.dbname) == ("db.example", 6543, "u@x", "p/w", "erp")
    assert ConnectionParts.from_url(tcp.to_url()) == tcp
    socket = ConnectionParts.from_url("postgresql://postgres:@/postgres?host=/srv/pg%20data")
    assert socket.is_socket and socket.host == "/srv/pg data" and socket.port == 5432
    assert ConnectionParts.from_url(socket.to_url(dbname="other")).dbname == "other"


def test_psycopg2_reaches_the_test_database(database_url: str) -> None:
    assert check_database(database_url) >= 150000
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("select current_database()")
        assert cur.fetchone()[0] == ConnectionParts.from_url(database_url).dbname


def test_unreachable_server_is_a_one_line_error() -> None:
    with pytest.raises(DatabaseError) as caught:
        check_database("postgresql://nobody@127.0.0.1:1/x")
    assert "cannot reach PostgreSQL at 127.0.0.1:1" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_unknown_role_is_reported_as_refused_login(pg_admin_url: str) -> None:
    parts = ConnectionParts.from_url(pg_admin_url)
    bad = ConnectionParts(parts.host, parts.port, "no_such_role_here", "", parts.dbname).to_url()
    with pytest.raises(DatabaseError, match="no_such_role_here"):
        check_database(bad)


def test_dlt_loads_into_the_test_database(database_url: str, tmp_path: Path) -> None:
    credentials = ConnectionParts.from_url(database_url).dlt_credentials()
    pipeline = dlt.pipeline(
        pipeline_name="smoke",
        destination=dlt.destinations.postgres(credentials=credentials),
        dataset_name="smoke_raw",
        pipelines_dir=str(tmp_path / "dlt"),
    )
    pipeline.run([{"id": 1, "name": "eins"}, {"id": 2, "name": "zwei"}], table_name="numbers")
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("select id, name from smoke_raw.numbers order by id")
        assert cur.fetchall() == [(1, "eins"), (2, "zwei")]


def test_dbt_runs_in_process_against_the_test_database(database_url: str, settings_for) -> None:
    env = tool_environment(database_url, settings_for(database_url))
    result = invoke_dbt(["seed", "--select", "german_vat_rates"], env)
    assert result.success, result.exception
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("select standard_rate_percent from legacy_staging.german_vat_rates where valid_from = '2020-07-01'")
        assert float(cur.fetchone()[0]) == 16.0
    assert os.getcwd() != str(PROJECT_ROOT / "dbt_project")  # invoke_dbt restores the working directory


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYERP_SYNC_", "LEGACY_4D_"))}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env.update(extra)
    return env


def test_cli_wrong_database_url_fails_in_one_line(tmp_path: Path) -> None:
    done = _cli(
        ["dbt", "--", "debug"], _clean_env(PYERP_SYNC_DATABASE_URL="postgresql://nobody@127.0.0.1:1/x"), tmp_path
    )
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert done.stderr.startswith("pyerp-sync: error: cannot reach PostgreSQL at 127.0.0.1:1")
    assert "Traceback" not in done.stderr + done.stdout


def test_cli_refuses_a_bad_target_schema_before_any_work(tmp_path: Path) -> None:
    done = _cli(["env"], _clean_env(PYERP_SYNC_TARGET_SCHEMA="pyerp; drop table x"), tmp_path)
    assert done.returncode == 1
    assert "PYERP_SYNC_TARGET_SCHEMA" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / ".pyerp-sync").exists()  # refused before anything was started or created


def test_cli_env_prints_exports_that_dbt_debug_accepts(database_url: str, tmp_path: Path) -> None:
    done = _cli(["env"], _clean_env(PYERP_SYNC_DATABASE_URL=database_url), tmp_path)
    assert done.returncode == 0, done.stderr
    exports = dict(line.removeprefix("export ").split("=", 1) for line in done.stdout.splitlines())
    assert exports["PYERP_SYNC_PGDATABASE"] == ConnectionParts.from_url(database_url).dbname
    dbt_dir = PROJECT_ROOT / "dbt_project"
    shell = f'eval "$({sys.executable} -m flows.cli env)" && cd {dbt_dir} && dbt debug --profiles-dir ..'
    env = _clean_env(PYERP_SYNC_DATABASE_URL=database_url)
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    debug = subprocess.run(["bash", "-c", shell], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert debug.returncode == 0, debug.stdout[-2000:]
    assert "All checks passed" in debug.stdout


def test_embedded_server_starts_on_demand_and_stops(tmp_path: Path) -> None:
    env = _clean_env(PYERP_SYNC_HOME=str(tmp_path / "home"))
    assert "not created yet" in _cli(["db", "status"], env, tmp_path).stdout
    debug = _cli(["dbt", "--", "debug"], env, tmp_path)
    assert debug.returncode == 0, debug.stdout[-2000:] + debug.stderr
    status = _cli(["db", "status"], env, tmp_path).stdout
    assert "running" in status and str(tmp_path / "home" / "postgres") in status
    assert _cli(["db", "stop"], env, tmp_path).stdout.strip() == "embedded PostgreSQL stopped"
    assert "stopped" in _cli(["db", "status"], env, tmp_path).stdout


def test_cli_help_lists_only_commands_that_exist() -> None:
    import typer.main

    from flows.cli import app

    command = typer.main.get_command(app)
    # bench and soak live in benchmarks, which flows never imports: they come in through the entry-point group
    assert {"run", "bench", "soak"} <= set(command.commands)
    for name in command.commands:
        done = _cli([name, "--help"], _clean_env(), PROJECT_ROOT)
        assert done.returncode == 0, (name, done.stderr)


def test_dlt_and_dbt_reach_an_embedded_server_over_its_unix_socket(tmp_path: Path, settings_for) -> None:
    """The embedded server listens on a socket only: the URL's socket folder must survive dlt's URL building."""
    from flows.database import start_embedded, stop_embedded

    settings = settings_for(None, home=tmp_path / "home")
    url = start_embedded(settings)
    try:
        assert ConnectionParts.from_url(url).is_socket
        pipeline = dlt.pipeline(
            pipeline_name="socket_smoke",
            destination=dlt.destinations.postgres(credentials=ConnectionParts.from_url(url).dlt_credentials()),
            dataset_name="socket_raw",
            pipelines_dir=str(tmp_path / "dlt"),
        )
        pipeline.run([{"id": 1}], table_name="ones")
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("select id from socket_raw.ones")
            assert cur.fetchall() == [(1,)]
        assert invoke_dbt(["debug"], tool_environment(url, settings)).success
    finally:
        stop_embedded(settings)
