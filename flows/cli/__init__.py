"""The ``pyerp-sync`` command line. Each command calls the same functions the Prefect deployment calls."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import typer

from flows.cli import pipeline, records, setup, target  # noqa: F401  (registers the commands)
from flows.cli.common import app
from flows.errors import is_expected

# Commands other packages add (the benchmarks' bench and soak): flows never imports them, they register themselves.
COMMAND_GROUP = "pyerp_sync.commands"
for _plugin in entry_points(group=COMMAND_GROUP):
    _plugin.load()(app)


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
        exc.show()  # type: ignore[attr-defined]  # typer raises only its click exceptions here, each with show()
        return exc.exit_code
    except Exception as exc:
        if not is_expected(exc):
            raise  # a bug: its traceback is what a report needs
        # as written: one line, or (a refused pyERP schema) one line per table
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
