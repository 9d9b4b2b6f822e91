"""Speed of the emulator: ``python -m benchmarks.emulator_speed [--scale 1] [--top 10000] [--table Belege_Pos]``.

Starts an emulator in this process, pages through one table with plain ``requests`` over HTTP and prints
entities per second, plus the time it took to generate the dataset.
"""

from __future__ import annotations

import argparse
import time

import requests

from emulator.server import EmulatorServer


def measure(server: EmulatorServer, table: str, top: int) -> tuple[int, float]:
    """(entities fetched, seconds) for one full pass over ``table`` in ``$top`` pages."""
    session = requests.Session()
    fetched, skip = 0, 0
    started = time.perf_counter()
    while True:
        response = session.get(f"{server.base_url}/rest/{table}", params={"$top": top, "$skip": skip}, timeout=120)
        response.raise_for_status()
        page = response.json()
        fetched += page["__SENT"]
        skip += page["__SENT"]
        if page["__SENT"] == 0 or skip >= page["__COUNT"]:
            break
    return fetched, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.emulator_speed", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--top", type=int, default=10_000)
    parser.add_argument("--table", default="Belege_Pos")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    server = EmulatorServer(scale=args.scale, seed=args.seed)
    generated = time.perf_counter() - started
    print(f"generated {server.row_count():,} rows at scale {args.scale:g} in {generated:.1f} s")
    with server:
        fetched, seconds = measure(server, args.table, args.top)
    print(f"{args.table}: {fetched:,} entities in {seconds:.2f} s with $top={args.top} "
          f"= {fetched / seconds:,.0f} entities/s")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
