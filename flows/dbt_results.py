"""What the last dbt build left in the data folder's dbt target: publish alone runs only after a passing build."""

from __future__ import annotations

import json
from pathlib import Path

from flows.errors import ErrorClass, SyncError

PASSING = {"success", "pass", "skipped", "warn"}


class BuildNotPassed(SyncError):
    """The marts may not be published: no passing dbt build. One-line message."""

    error_class = ErrorClass.DATA_TEST_FAILED


def require_passing_build(target_dir: Path) -> None:
    path = target_dir / "run_results.json"
    if not path.is_file():
        raise BuildNotPassed("no dbt build has run here yet: use `pyerp-sync run`, or `pyerp-sync dbt -- build` first")
    data = json.loads(path.read_text())
    command = data.get("args", {}).get("which")
    if command != "build":
        raise BuildNotPassed(f"the last dbt command was `{command}`, not `build`: build (and test) before publishing")
    failed = [r["unique_id"] for r in data.get("results", []) if r.get("status") not in PASSING]
    if failed:
        raise BuildNotPassed(
            f"the last dbt build did not pass ({len(failed)} failed, e.g. {failed[0]}): not publishing"
        )
