"""Run history: the bookkeeping schema, and reading and writing runs and their per-entity figures."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flows.errors import ErrorClass
from flows.publish import EntityFigures

if TYPE_CHECKING:  # dlt and the shape check are heavy imports; the CLI reads history without them
    from extract.pipeline import ExtractResult
    from flows.target import TargetReport

PUBLISHED_FIGURES = ("created", "updated", "unchanged", "deactivated", "deleted_reported", "conflicts")
BOOKKEEPING_SQL = Path(__file__).with_name("bookkeeping.sql")
ERROR_CLASSES = tuple(ErrorClass)  # bookkeeping.sql's check lists the same values


# Held (transaction-scoped) while the schema is ensured: two processes starting at once on a new database would
# otherwise both create it, and the second fail on PostgreSQL's catalog (duplicate key in pg_namespace).
BOOKKEEPING_LOCK_KEY = 0x5059_4542  # "PYEB"


def ensure_bookkeeping(conn) -> None:
    """Create the pyerp_sync schema and its tables when missing (idempotent, one process at a time), and commit."""
    with conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(%s)", (BOOKKEEPING_LOCK_KEY,))
        cur.execute(BOOKKEEPING_SQL.read_text())
    conn.commit()


def start_run(
    conn, mode: str, only: list[str] | None = None, dry_run: bool = False, flow_run_id: str | None = None
) -> str:
    """Record a run as running and commit at once, so a crash still leaves its trace."""
    run_id = str(uuid.uuid4())
    with conn.cursor() as cur:
        cur.execute(
            "insert into pyerp_sync.runs (run_id, flow_run_id, mode, only_entities, is_dry_run, status) "
            "values (%s, %s, %s, %s, %s, 'running')",
            (run_id, flow_run_id, mode, only or None, dry_run),
        )
    conn.commit()
    return run_id


def mark_abandoned_runs(conn) -> None:
    """Runs still 'running' while we hold the run lock were killed: say so in the history."""
    with conn.cursor() as cur:
        cur.execute(
            "update pyerp_sync.runs set status = 'failed', error_class = 'internal', completed_at = now(), "
            "error_message = 'the run ended without finishing (process killed or machine restarted)' "
            "where status = 'running'"
        )
    conn.commit()


def record_step_seconds(conn, run_id: str, step: str, seconds: float) -> None:
    """The wall time of one step of a run (committed at once, so a failed run keeps what it measured)."""
    column = {"extract": "extract_seconds", "dbt": "dbt_seconds", "publish": "publish_seconds"}[step]
    with conn.cursor() as cur:
        cur.execute(f"update pyerp_sync.runs set {column} = %s where run_id = %s", (seconds, run_id))
    conn.commit()


def finish_run(
    conn, run_id: str, error_class: str | None = None, message: str | None = None, failed_step: str | None = None
) -> None:
    if error_class is not None and error_class not in ERROR_CLASSES:
        raise ValueError(f"unknown error class {error_class!r}")
    with conn.cursor() as cur:
        cur.execute(
            "update pyerp_sync.runs set status = %s, error_class = %s, error_message = %s, failed_step = %s, "
            "completed_at = clock_timestamp() where run_id = %s",
            ("failed" if error_class else "succeeded", error_class, message, failed_step, run_id),
        )
    conn.commit()


@dataclass
class EntityRecord:
    entity: str
    extracted: int = 0
    rejected: int = 0
    warnings: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    deleted_reported: int = 0
    conflicts: int = 0
    seconds: float = 0.0

    def add_published(self, figures: EntityFigures) -> None:
        """What publish did to this entity's rows (publish's own figures: the dry-run samples stay there)."""
        for name in PUBLISHED_FIGURES:
            setattr(self, name, getattr(figures, name))
        self.seconds += figures.seconds


@dataclass
class SyncReport:
    """What one run did, as the flow returns it."""

    run_id: str
    mode: str
    dry_run: bool
    entities: list[EntityRecord] = field(default_factory=list)
    skipped_dbt: bool = False
    seconds: float = 0.0
    target: TargetReport | None = None  # what the check of pyERP's tables created and accepted
    extracted: ExtractResult | None = None  # what the extract landed, per 4D table


def record_entities(cur, run_id: str, records: list[EntityRecord]) -> None:
    """Write the per-entity figures of a run (inside the caller's transaction: with publish, all or nothing)."""
    if not records:
        return
    columns = list(asdict(records[0]))
    rows = [tuple([run_id, *asdict(r).values()]) for r in records]
    placeholders = ", ".join(["%s"] * (len(columns) + 1))
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "entity")
    cur.executemany(
        f"insert into pyerp_sync.run_entities (run_id, {', '.join(columns)}) values ({placeholders}) "
        f"on conflict (run_id, entity) do update set {updates}",
        rows,
    )


@dataclass
class RunSummary:
    run_id: str
    mode: str
    status: str
    is_dry_run: bool
    started_at: datetime
    completed_at: datetime | None
    error_class: str | None
    error_message: str | None
    failed_step: str | None
    only_entities: list[str] | None
    step_seconds: dict[str, float | None]
    entities: list[EntityRecord]

    @property
    def seconds(self) -> float | None:
        return (self.completed_at - self.started_at).total_seconds() if self.completed_at else None

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["completed_at"] = self.completed_at.isoformat() if self.completed_at else None
        data["seconds"] = self.seconds
        return data


def list_runs(conn, limit: int = 20) -> list[RunSummary]:
    """The newest runs first, each with its per-entity figures (two queries, whatever the number of runs)."""
    with conn.cursor() as cur:
        cur.execute(
            "select run_id::text, mode, status, is_dry_run, started_at, completed_at, error_class, error_message, "
            "failed_step, only_entities, extract_seconds, dbt_seconds, publish_seconds from pyerp_sync.runs "
            "order by started_at desc limit %s",
            (limit,),
        )
        runs = [
            RunSummary(  # type: ignore[misc]  # *row[:10] are its first ten fields; mypy cannot count them
                *row[:10],
                step_seconds={
                    step: float(value) if value is not None else None
                    for step, value in zip(("extract", "dbt", "publish"), row[10:], strict=True)
                },
                entities=[],
            )
            for row in cur.fetchall()
        ]
        if not runs:
            return []
        fields = list(EntityRecord.__dataclass_fields__)
        cur.execute(
            f"select run_id::text, {', '.join(fields)} from pyerp_sync.run_entities "
            "where run_id = any(%s::uuid[]) order by entity",
            ([r.run_id for r in runs],),
        )
        by_run = {r.run_id: r for r in runs}
        for run_id, *values in cur.fetchall():
            record = EntityRecord(**dict(zip(fields, values, strict=True)))
            record.seconds = float(record.seconds)
            by_run[run_id].entities.append(record)
    return runs


def runs_as_json(runs: list[RunSummary]) -> str:
    return json.dumps([r.to_json() for r in runs], indent=2, default=str)
