"""The no-change run in processes of its own: as the schedule runs it, and as a person starts it.

**Served** (``noop_served_*``): a local Prefect server (``flows.prefect_server``, a free port, its SQLite under the
bench's home), ``python -m flows.cli serve`` in a process of its own (what ``pyerp-sync serve`` runs: every
deployment of prefect.yaml), then runs of the incremental deployment triggered through the Prefect API: one to warm
the served process, one timed. The deployments' schedules are switched off once they are registered (and the runs
the server already scheduled deleted), so no scheduled run lands in the measurement; a triggered run takes the same
path as a scheduled one (the served process polls the server for it and starts it as Prefect's runner starts every
flow run: in a fresh spawned subprocess). Figures: wall from the trigger to the completed state, the flow run's own
duration (its start and end times in the API), the pickup (trigger to the flow run's start), split into the
runner's poll (trigger to Pending: every 10 s by default, which a scheduled run does not wait for, as it is fetched
ahead of its time) and the flow-run process start (Pending to Running), and the sync's own time in the run history.

**Cold CLI** (``noop_cold_cli_seconds``): ``python -m flows.cli run`` as a fresh process, without PREFECT_API_URL
(as a person runs it), timed from start to exit.

Either measurement that fails is reported as missing with a one-line reason; the bench goes on. The processes are
stopped in ``finally`` blocks, on Ctrl-C too.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast
from uuid import UUID

from benchmarks import workspace
from flows import database
from flows.settings import Settings

SERVE_START_SECONDS = 180  # the serve process imports the flow (dbt, dlt, Prefect) and registers the deployments
RUN_TIMEOUT_SECONDS = 900
POLL_SECONDS = 0.2
STOP_SECONDS = 20


class ServedRunError(Exception):
    """The served or cold measurement could not be made. One-line message."""


def served_noop(settings: Settings, workdir: Path, emulator_url: str, say: Callable[[str], None]) -> dict[str, Any]:
    """A no-change run of the served incremental deployment (after one to warm it); figures, or the reason none."""
    return _measured(
        "served no-change run",
        lambda: _served_noop(settings, workdir, emulator_url, say),
        lambda f: (
            f"{f['seconds']:.1f} s from trigger to completed (flow run {f['flow_seconds']:.1f} s, pickup "
            f"{f['pickup_seconds']:.1f} s = poll {f['poll_seconds']:.1f} + process start "
            f"{f['process_start_seconds']:.1f}, sync {f['sync_seconds']:.1f} s; "
            f"warm-up run {f['warmup_seconds']:.1f} s)"
        ),
        say,
    )


def cold_cli_noop(settings: Settings, workdir: Path, emulator_url: str, say: Callable[[str], None]) -> dict[str, Any]:
    """A no-change ``python -m flows.cli run`` as a fresh process, timed wall; figures, or the reason none."""
    return _measured(
        "cold CLI no-change run",
        lambda: _cold_cli_noop(settings, workdir, emulator_url),
        lambda f: f"{f['seconds']:.1f} s wall (sync {f['sync_seconds']:.1f} s)",
        say,
    )


def _measured(
    label: str,
    measure: Callable[[], dict[str, Any]],
    describe: Callable[[dict[str, Any]], str],
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Run one measurement; print its figures, or, when it fails, one line, and let the bench go on."""
    from flows.errors import one_line

    try:
        figures = measure()
    except Exception as exc:  # any failure of this measurement: one line, and the bench goes on
        reason = one_line(exc)
        say(f"{label} not measured: {reason}")
        return {"seconds": None, "error": reason}
    say(
        f"{label}: {describe(figures)}; {figures['requests']} 4D requests, "
        f"{figures['sessions_opened']} session(s) opened"
    )
    return figures


def _served_noop(settings: Settings, workdir: Path, emulator_url: str, say: Callable[[str], None]) -> dict[str, Any]:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.demo import _free_port
    from flows.deployments import load_entrypoint, read_deployments
    from flows.prefect_server import local_prefect_server

    specs = read_deployments()
    incremental = next((s for s in specs if not s.parameters.get("full")), None)
    if incremental is None:
        raise ServedRunError("prefect.yaml declares no incremental deployment (parameters without full: true)")
    names = [f"{load_entrypoint(s.entrypoint).name}/{s.name}" for s in specs]
    name = names[specs.index(incremental)]

    shutil.rmtree(workdir, ignore_errors=True)
    prefect_home = workdir / "prefect"
    prefect_home.mkdir(parents=True)
    with contextlib.ExitStack() as stack:
        api_url = stack.enter_context(local_prefect_server(prefect_home, _free_port()))
        env = {
            **workspace.sync_environment(settings),
            "PREFECT_API_URL": api_url,
            "PREFECT_HOME": str(prefect_home),
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
        log_path = workdir / "serve.log"
        log = stack.enter_context(log_path.open("ab"))
        args = [sys.executable, "-m", "flows.cli", "serve"]
        process = stack.enter_context(_process_group(args, env, workdir, log, log))
        stack.enter_context(temporary_settings(updates={PREFECT_API_URL: api_url}))
        client = stack.enter_context(get_client(sync_client=True))

        deployments = _wait_for_deployments(client, names, process, log_path)
        _switch_schedules_off(client, list(deployments.values()))
        say(f"serving {', '.join(names)} (schedules off); a first run of {name} to warm the served process …")
        url = cast(str, settings.database_url)  # the benchmark database's settings (demo.against_emulator)
        warmup = _run_deployment(client, deployments[name], process, log_path, url)
        _switch_schedules_off(client, list(deployments.values()))  # a run the scheduler made meanwhile
        workspace.emulator_log(emulator_url, clear=True)
        timed = _run_deployment(client, deployments[name], process, log_path, url)
        log_figures = workspace.emulator_log(emulator_url, clear=True)
        others = _other_runs(client, list(deployments.values()), {warmup["flow_run_id"], timed["flow_run_id"]})
    if others:
        raise ServedRunError(f"{others} other flow run(s) of the deployments ran during the measurement")
    return {
        **timed,
        "warmup_seconds": warmup["seconds"],
        "deployment": name,
        "requests": log_figures["requests"],
        "sessions_opened": log_figures["sessions_opened"],
        "error": None,
    }


def _wait_for_deployments(client, names: list[str], process: subprocess.Popen, log_path: Path) -> dict[str, UUID]:
    """Deployment name → id, once the served process has registered every deployment of prefect.yaml."""
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + SERVE_START_SECONDS
    found: dict[str, UUID] = {}
    while True:
        for name in names:
            if name not in found:
                with contextlib.suppress(ObjectNotFound):
                    found[name] = client.read_deployment_by_name(name).id
        if len(found) == len(names):
            return found
        _require_alive(process, log_path)
        if time.monotonic() > deadline:
            missing = ", ".join(n for n in names if n not in found)
            raise ServedRunError(f"the served process registered no {missing} within {SERVE_START_SECONDS} s")
        time.sleep(0.5)


def _switch_schedules_off(client, deployment_ids: list[UUID]) -> None:
    """Deactivate the deployments' schedules and delete the runs already scheduled from them."""
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    for deployment_id in deployment_ids:
        for schedule in client.read_deployment_schedules(deployment_id):
            if schedule.active:
                client.update_deployment_schedule(deployment_id, schedule.id, active=False)
    scheduled = client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=deployment_ids)),
        flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
        ),
    )
    for flow_run in scheduled:
        if flow_run.auto_scheduled:
            client.delete_flow_run(flow_run.id)


def _other_runs(client, deployment_ids: list[UUID], ours: set[str]) -> int:
    """Flow runs of the deployments other than ours that got beyond being scheduled."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    runs = client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=deployment_ids)))
    return sum(1 for r in runs if str(r.id) not in ours and r.state is not None and not r.state.is_scheduled())


def _run_deployment(client, deployment_id, process: subprocess.Popen, log_path: Path, url: str) -> dict[str, Any]:
    """Trigger one run through the API and wait for its final state; its timings."""
    triggered_at = datetime.now(UTC)
    started = time.perf_counter()
    flow_run = client.create_flow_run_from_deployment(deployment_id)
    while True:
        flow_run = client.read_flow_run(flow_run.id)
        if flow_run.state is not None and flow_run.state.is_final():
            break
        _require_alive(process, log_path)
        if time.perf_counter() - started > RUN_TIMEOUT_SECONDS:
            state = flow_run.state.name if flow_run.state else "no state"
            raise ServedRunError(f"the flow run did not finish within {RUN_TIMEOUT_SECONDS} s (still {state})")
        time.sleep(POLL_SECONDS)
    wall = time.perf_counter() - started
    if not flow_run.state.is_completed():
        message = _first_line(flow_run.state.message or "")
        raise ServedRunError(f"the flow run ended {flow_run.state.name}: {message}; see {log_path}")
    if flow_run.start_time is None or flow_run.end_time is None:
        raise ServedRunError("the completed flow run has no start or end time in the API")
    pending = min(
        (s.timestamp for s in client.read_flow_run_states(flow_run.id) if s.is_pending()), default=flow_run.start_time
    )
    return {
        "seconds": round(wall, 3),
        "flow_seconds": round((flow_run.end_time - flow_run.start_time).total_seconds(), 3),
        "pickup_seconds": round((flow_run.start_time - triggered_at).total_seconds(), 3),
        # the pickup in two: the runner's poll finding the run (trigger → Pending), and the flow-run process
        # starting (Pending → Running: a spawned interpreter importing the flow). A scheduled run skips the first.
        "poll_seconds": round((pending - triggered_at).total_seconds(), 3),
        "process_start_seconds": round((flow_run.start_time - pending).total_seconds(), 3),
        "sync_seconds": _sync_seconds(url, str(flow_run.id), log_path),
        "flow_run_id": str(flow_run.id),
    }


def _sync_seconds(url: str, flow_run_id: str, log_path: Path) -> float:
    """The sync's own time: its line in the run history."""
    conn = database.connect(url)
    with contextlib.closing(conn), conn.cursor() as cur:
        cur.execute(
            "select status, extract(epoch from completed_at - started_at) from pyerp_sync.runs where flow_run_id = %s",
            (flow_run_id,),
        )
        row = cur.fetchone()
    if row is None:
        raise ServedRunError(f"the run history has no run of flow run {flow_run_id}; see {log_path}")
    status, seconds = row
    if status != "succeeded":
        raise ServedRunError(f"the sync run of flow run {flow_run_id} is {status}; see {log_path}")
    return round(float(seconds), 3)


# --- cold CLI ----------------------------------------------------------------------------------------------------


def _cold_cli_noop(settings: Settings, workdir: Path, emulator_url: str) -> dict[str, Any]:
    workdir.mkdir(parents=True, exist_ok=True)
    out_path, log_path = workdir / "cold-cli.json", workdir / "cold-cli.log"
    workspace.emulator_log(emulator_url, clear=True)
    with out_path.open("wb") as out, log_path.open("wb") as log:
        started = time.perf_counter()
        args = [sys.executable, "-m", "flows.cli", "run", "--json"]
        with _process_group(args, workspace.sync_environment(settings), workdir, out, log) as process:
            try:
                code = process.wait(RUN_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                raise ServedRunError(f"`pyerp-sync run` did not finish within {RUN_TIMEOUT_SECONDS} s") from None
        wall = time.perf_counter() - started
    log_figures = workspace.emulator_log(emulator_url, clear=True)
    if code != 0:
        lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
        raise ServedRunError(f"`pyerp-sync run` exited {code}: {lines[-1] if lines else 'no output'}")
    try:
        run = json.loads(out_path.read_text())
    except ValueError:
        raise ServedRunError(f"`pyerp-sync run --json` printed no JSON; see {out_path}") from None
    if run.get("status") != "succeeded" or run.get("seconds") is None:
        raise ServedRunError(f"the run is {run.get('status')}: {run.get('error_message')}")
    return {
        "seconds": round(wall, 3),
        "sync_seconds": round(float(run["seconds"]), 3),
        "requests": log_figures["requests"],
        "sessions_opened": log_figures["sessions_opened"],
        "error": None,
    }


# --- processes ---------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _process_group(
    args: list[str], env: dict[str, str], cwd: Path, stdout: IO[bytes], stderr: IO[bytes]
) -> Iterator[subprocess.Popen]:
    """A child in a process group of its own (so Ctrl-C in the terminal reaches us, not it, and the flow-run
    subprocesses it spawns end with it), in ``cwd`` (a scratch folder: no ``.env`` that Prefect or the sync would
    read); the whole group is stopped on exit."""
    process = subprocess.Popen(
        args, env=env, cwd=cwd, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, start_new_session=True
    )
    try:
        yield process
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen) -> None:
    """SIGINT (Prefect's runner shuts down cleanly on it), then SIGKILL for whatever of the group is left."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(STOP_SECONDS)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # the leader if it hangs, and any flow-run subprocess it left
    process.wait()


def _require_alive(process: subprocess.Popen, log_path: Path) -> None:
    if process.poll() is not None:
        lines = [line.strip() for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
        last = f": {lines[-1]}" if lines else ""
        raise ServedRunError(f"the served process exited ({process.returncode}){last}; see {log_path}")


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""
