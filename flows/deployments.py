"""The deployments of prefect.yaml, served from one process (`pyerp-sync serve`). prefect.yaml stays the one
place that says what runs when: this module reads it rather than repeating the schedules."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from flows.settings import PROJECT_ROOT

PREFECT_YAML = PROJECT_ROOT / "prefect.yaml"


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    entrypoint: str
    parameters: dict[str, Any]
    schedules: tuple[dict[str, Any], ...]
    concurrency_limit: int | None
    description: str


def read_deployments(path: Path = PREFECT_YAML) -> list[DeploymentSpec]:
    data = yaml.safe_load(path.read_text())
    return [
        DeploymentSpec(
            name=d["name"],
            entrypoint=d["entrypoint"],
            parameters=dict(d.get("parameters") or {}),
            schedules=tuple(d.get("schedules") or ()),
            concurrency_limit=d.get("concurrency_limit"),
            description=d.get("description", ""),
        )
        for d in data["deployments"]
    ]


def load_entrypoint(entrypoint: str):
    """``flows/sync.py:legacy_sync`` → the flow object."""
    file_part, _, attribute = entrypoint.partition(":")
    module = importlib.import_module(file_part.removesuffix(".py").replace("/", "."))
    return getattr(module, attribute)


def serve_all(path: Path = PREFECT_YAML) -> None:
    """Serve every deployment of prefect.yaml in this process until interrupted."""
    from prefect import serve
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    runnable = []
    for spec in read_deployments(path):
        flow_ = load_entrypoint(spec.entrypoint)
        runnable.append(
            flow_.to_deployment(
                name=spec.name,
                description=spec.description,
                parameters=spec.parameters,
                schedules=[Cron(s["cron"], timezone=s.get("timezone", "UTC")) for s in spec.schedules],
                concurrency_limit=spec.concurrency_limit,
                # Each flow run starts in a new process that loads the flow from this entrypoint. A file path
                # (flows/sync.py) would put flows/ first on sys.path there, where a module named like an installed
                # package shadows it (flows/dbt.py once shadowed dbt; tests/flows/test_deployments.py guards).
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        )
    serve(*runnable)
