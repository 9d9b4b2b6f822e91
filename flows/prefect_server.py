"""A local Prefect server for `pyerp-sync serve` on a machine that has none (SQLite under the data folder)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from flows.errors import SyncError

STARTUP_SECONDS = 60


class PrefectServerError(SyncError):
    """The local Prefect server did not come up. One-line message."""


@contextlib.contextmanager
def local_prefect_server(prefect_home: Path, port: int) -> Iterator[str]:
    """Start `prefect server start` on 127.0.0.1:port, yield its API URL, stop it on exit."""
    api_url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    log = (prefect_home / "server.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise PrefectServerError(f"the Prefect server exited at start; see {prefect_home / 'server.log'}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{api_url}/health", timeout=2).ok:
                    break
            if time.monotonic() > deadline:
                raise PrefectServerError(f"the Prefect server did not answer within {STARTUP_SECONDS} s")
            time.sleep(0.5)
        yield api_url
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(20)
        if process.poll() is None:
            process.kill()
        log.close()
