"""``python -m emulator`` / ``pyerp-sync emulator``: serve the emulator until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

import orjson

from emulator.keys import UUID_KEY_FIELDS
from emulator.server import EmulatorServer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyerp-sync emulator",
        description="A 4D REST server emulator with a generated legacy dataset (serves /rest and /_admin).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on; 0 picks a free one (default 8080)")
    parser.add_argument("--scale", type=float, default=1.0, help="row-count multiplier: 0.01 tests, 1 real, 5 bench")
    parser.add_argument("--seed", type=int, default=42, help="seed of the generated dataset (default 42)")
    parser.add_argument("--change-tracking", action="store_true", help="serve __GlobalStamp and __DeletedRecords")
    parser.add_argument("--max-sessions", type=int, default=3, help="session licences before HTTP 402 (default 3)")
    parser.add_argument("--username", help="require this username-4D (with --password)")
    parser.add_argument("--password", help="require this password-4D (with --username)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every /rest request")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of /rest requests answered 503")
    parser.add_argument("--strict-date-filters", action="store_true", help="500 on > and < against dates")
    parser.add_argument("--manifest", type=Path, help="write the planted-defect manifest (JSON) to this file")
    parser.add_argument(
        "--uuid-keys", metavar="TABLE[,TABLE...]", default="",
        help="serve these tables' numbered keys (and every reference to them) as 32-hex UUID strings, e.g. "
        f"Stamm_Lagerorte,Stamm_Lager_Schuetten; 'all' for every one of: {', '.join(UUID_KEY_FIELDS)}",
    )  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    """Serve until stopped; 0 on Ctrl-C, 2 on bad options."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.username is None) != (args.password is None):
        parser.error("--username and --password go together")
    credentials = (args.username, args.password) if args.username is not None else None
    try:
        server = EmulatorServer(
            scale=args.scale, seed=args.seed, port=args.port, host=args.host, max_sessions=args.max_sessions,
            change_tracking=args.change_tracking, credentials=credentials, uuid_keys=args.uuid_keys,
        )  # fmt: skip
        server.faults.update(latency_seconds=args.latency, error_rate=args.error_rate,
                             strict_date_filters=args.strict_date_filters)  # fmt: skip
        if args.manifest:
            args.manifest.write_bytes(orjson.dumps(server.manifest, option=orjson.OPT_INDENT_2))
        server._bind()
    except (ValueError, OSError) as error:
        print(f"emulator: {error}", file=sys.stderr)
        return 2
    tables = len(server.store.tables)
    keys = f", UUID keys in {','.join(sorted(server.store.uuid_keys))}" if server.store.uuid_keys else ""
    print(f"4D REST emulator listening on {server.base_url}/rest ({server.row_count():,} rows in {tables} tables, "
          f"scale {args.scale:g}, seed {args.seed}{keys})", flush=True)  # fmt: skip
    _stop_on_signals()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM end ``serve_forever`` cleanly, even where a shell started us with SIGINT ignored."""
    try:
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread (an embedding caller): leave signals alone
        pass
