"""Set-up and tooling commands: env, dbt, db, emulator, docs."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from flows import database
from flows.cli.common import (
    DbtFailed,
    app,
    current_settings,
    db_app,
)
from flows.errors import one_line
from flows.settings import ConfigError


@app.command("env")
def env_command() -> None:
    """Print the variables dbt and dlt need, as `export` lines: eval "$(pyerp-sync env)"."""
    settings = current_settings()
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
    settings = current_settings()
    url = database.ensure_database(settings)
    from flows.dbt_runner import invoke_dbt

    result = invoke_dbt(args, database.tool_environment(url, settings))
    if result.exception is not None:
        raise DbtFailed(f"dbt {args[0]} failed: {one_line(result.exception)}")
    if not result.success:
        raise DbtFailed(f"dbt {args[0]} did not succeed (see dbt's output above)")


@db_app.command("status")
def db_status() -> None:
    """Show where the database is and whether the embedded server runs."""
    settings = current_settings()
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
    settings = current_settings()
    if settings.database_url:
        raise ConfigError("PYERP_SYNC_DATABASE_URL is set: there is no embedded server to stop")
    stopped = database.stop_embedded(settings)
    typer.echo("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")


@app.command(
    "emulator",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
def emulator_command(ctx: typer.Context) -> None:
    """Serve the bundled 4D emulator: pyerp-sync emulator --port 8080 --scale 1 --seed 42 (--help for options)."""
    import emulator

    code = emulator.main(list(ctx.args))
    if code:
        raise typer.Exit(code)


@app.command("docs")
def docs_command(
    port: Annotated[int, typer.Option("--port", help="Port to serve the lineage site on.")] = 8081,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve it after generating.")] = True,
    target_path: Annotated[
        Path | None,
        typer.Option(
            "--target-path", help="Folder for the site and catalog (default: dbt's target folder in the data folder)."
        ),
    ] = None,
) -> None:
    """Generate dbt's lineage and column docs as one static page, and serve it."""
    settings = current_settings()
    url = database.ensure_database(settings)
    from flows.dbt_runner import invoke_dbt

    folder = target_path.absolute() if target_path else settings.dbt_target_dir
    result = invoke_dbt(
        ["docs", "generate", "--static", "--target-path", str(folder)], database.tool_environment(url, settings)
    )
    if not result.success:
        raise DbtFailed("dbt docs generate failed (see dbt's output above)")
    page = folder / "static_index.html"
    typer.echo(f"lineage site: {page}")
    if serve:
        import functools
        import http.server

        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(page.parent))
        with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
            typer.echo(f"serving on http://127.0.0.1:{port}/static_index.html  (Ctrl-C to stop)")
            server.serve_forever()
