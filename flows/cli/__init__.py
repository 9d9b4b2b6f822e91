"""The ``pyerp-sync`` command line. Each command calls the same functions the Prefect deployment calls."""

from __future__ import annotations

import sys

import typer

from extract.errors import ExtractError
from flows.cli import pipeline, records, setup, target  # noqa: F401  (registers the commands)
from flows.cli.common import DbtFailed, app
from flows.conflicts import ConflictError
from flows.database import DatabaseError
from flows.dbt_results import BuildNotPassed
from flows.demo import DemoError
from flows.entities import UnknownEntity
from flows.errors import SyncFailed
from flows.prefect_server import PrefectServerError
from flows.publish import PublishError
from flows.settings import ConfigError
from flows.target import TargetShapeError

EXPECTED_ERRORS: tuple[type[Exception], ...] = (ConfigError, DatabaseError, ExtractError)
EXPECTED_ERRORS += (
    DbtFailed,
    PrefectServerError,
    ConflictError,
    PublishError,
    TargetShapeError,
    UnknownEntity,
    SyncFailed,
    BuildNotPassed,
    DemoError,
)


def main(argv: list[str] | None = None) -> int:
    """Console entry point: expected failures become one line on stderr and a non-zero exit code."""
    try:
        # Without standalone mode, click returns a command's `typer.Exit(code)` as the result instead of raising it.
        result = app(args=argv, standalone_mode=False)
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
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
