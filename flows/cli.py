"""The ``pyerp-sync`` command line. Each command calls the same functions the Prefect deployment calls."""

from __future__ import annotations

import shlex
import sys

import typer

from flows import database
from flows.database import DatabaseError
from flows.settings import ConfigError, Settings, load_settings

app = typer.Typer(
    name="pyerp-sync",
    help="Move the legacy 4D ERP's data into pyERP and keep both in step.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The embedded PostgreSQL (used when PYERP_SYNC_DATABASE_URL is unset).", no_args_is_help=True)
app.add_typer(db_app, name="db")

# Failures a person can act on: shown as one line on stderr, never as a traceback.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (ConfigError, DatabaseError)


def _settings() -> Settings:
    return load_settings()


@app.command("env")
def env_command() -> None:
    """Print the variables dbt and dlt need, as `export` lines: eval "$(pyerp-sync env)"."""
    settings = _settings()
    url = database.ensure_database(settings)
    for key, value in database.tool_environment(url, settings).items():
        typer.echo(f"export {key}={shlex.quote(value)}")


@app.command(
    "dbt",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def dbt_command(ctx: typer.Context) -> None:
    """Run dbt with the environment prepared, e.g. `pyerp-sync dbt -- build --select staging`."""
    args = list(ctx.args)
    if not args:
        raise typer.BadParameter("give dbt's arguments after --, e.g. pyerp-sync dbt -- debug")
    settings = _settings()
    url = database.ensure_database(settings)
    from flows.dbt import invoke_dbt

    result = invoke_dbt(args, database.tool_environment(url, settings))
    if result.exception is not None:
        raise DbtFailed(f"dbt {args[0]} failed: {str(result.exception).strip().splitlines()[0]}")
    if not result.success:
        raise DbtFailed(f"dbt {args[0]} did not succeed (see dbt's output above)")


@db_app.command("status")
def db_status() -> None:
    """Show where the database is and whether the embedded server runs."""
    settings = _settings()
    if settings.database_url:
        parts = database.ConnectionParts.from_url(settings.database_url)
        version = database.check_database(settings.database_url)
        typer.echo(f"configured server (PYERP_SYNC_DATABASE_URL): {parts.describe()}, PostgreSQL {version // 10000}")
        return
    status = database.embedded_status(settings)
    state = "running" if status.running else ("stopped" if status.initialised else "not created yet")
    typer.echo(f"embedded PostgreSQL: {state}")
    typer.echo(f"  data folder: {status.data_dir}")
    if status.running:
        typer.echo(f"  pid: {status.pid}")
        typer.echo(f"  url: {status.url}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL (its data stays; the next command starts it again)."""
    settings = _settings()
    if settings.database_url:
        raise ConfigError("PYERP_SYNC_DATABASE_URL is set: there is no embedded server to stop")
    stopped = database.stop_embedded(settings)
    typer.echo("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")


class DbtFailed(Exception):
    """A dbt command failed; dbt has already printed the details."""


EXPECTED_ERRORS += (DbtFailed,)


def main(argv: list[str] | None = None) -> int:
    """Console entry point: expected failures become one line on stderr and a non-zero exit code."""
    try:
        app(args=argv, standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("pyerp-sync: interrupted", err=True)
        return 130
    except typer.TyperException as exc:  # usage errors: typer prints them with the command's usage line
        exc.show()
        return exc.exit_code
    except EXPECTED_ERRORS as exc:
        typer.echo(f"pyerp-sync: error: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        typer.echo("pyerp-sync: interrupted", err=True)
        return 130
    return 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
