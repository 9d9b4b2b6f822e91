"""Rejects: the per-run copy of dbt's ``sync_rejects`` and the current state derived from it, and reading both.

A reject is one reason one 4D row was not published (severity ``error``) or was published with a flaw
(``warning``). The state (``pyerp_sync.reject_state``) has one row per pyERP table, 4D key and reason. It moves
only inside a publish transaction that commits (``update_reject_state``, the publish step's ``before_commit``):
a dry run, a failed dbt build and a publish that rolls back leave it as it was, and so does every entity the run
did not rebuild (an incremental run with nothing new for it saw none of its rows).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from flows.settings import MARTS_SCHEMA

REJECTS_MODEL = "sync_rejects"  # the dbt view of every entity's rejects and warnings, in legacy_marts
SEVERITIES = ("error", "warning")
DETAIL_VALUE_WIDTH = 40
# jsonb keeps an object's keys shortest first: the usual ones are shown in reading order, any others after them
DETAIL_KEYS = ("column", "value", "rule", "missing_parent", "key")


def copy_run_rejects(conn, run_id: str, entities: list[str]) -> dict[str, tuple[int, int]]:
    """Keep a run's rejects (from the dbt model) in the history and commit; return (errors, warnings) per
    entity. The current state (``reject_state``) follows from this copy only when publish commits."""
    with conn.cursor() as cur:
        cur.execute(
            "insert into pyerp_sync.rejects (run_id, entity, legacy_key, business_key, reason, severity, details) "
            f"select %s, entity, legacy_key, business_key, reason, severity, details "
            f"from {MARTS_SCHEMA}.{REJECTS_MODEL} where entity = any(%s)",
            (run_id, entities),
        )
        cur.execute(
            "select entity, count(*) filter (where severity = 'error'), count(*) filter (where severity = 'warning') "
            "from pyerp_sync.rejects where run_id = %s group by entity",
            (run_id,),
        )
        counts = {entity: (rejected, warnings) for entity, rejected, warnings in cur.fetchall()}
    conn.commit()
    return counts


def update_reject_state(cur, run_id: str, entities: list[str]) -> tuple[int, int]:
    """Carry this run's copied rejects of the ``entities`` it rebuilt into the state, inside the caller's
    transaction; returns (rejects seen, rejects resolved).

    Seen: inserted when new (first seen = last seen = this run), else last seen, business key, severity and
    details refreshed and a resolved one reopened. Resolved: an open reject of one of ``entities`` this run did
    not see (its row now passes, or is gone from 4D)."""
    if not entities:
        return 0, 0
    params = {"run": run_id, "entities": list(entities)}
    # A row may fail one reason in several ways (two columns too long): one state row, its details an array.
    cur.execute(
        """
        insert into pyerp_sync.reject_state as state (
            entity, legacy_key, reason, business_key, severity, details,
            first_seen_run, first_seen_at, last_seen_run, last_seen_at
        )
        select
            entity, legacy_key, reason, max(business_key),
            case when bool_or(severity = 'error') then 'error' else 'warning' end,
            case
                when count(distinct details) > 1 then jsonb_agg(distinct details) filter (where details is not null)
                else (array_agg(details) filter (where details is not null))[1]
            end,
            %(run)s, now(), %(run)s, now()
        from pyerp_sync.rejects
        where run_id = %(run)s and entity = any(%(entities)s)
        group by entity, legacy_key, reason
        on conflict (entity, legacy_key, reason) do update set
            business_key = excluded.business_key,
            severity = excluded.severity,
            details = excluded.details,
            last_seen_run = excluded.last_seen_run,
            last_seen_at = excluded.last_seen_at,
            resolved_run = null,
            resolved_at = null
        """,
        params,
    )
    seen = cur.rowcount
    cur.execute(
        "update pyerp_sync.reject_state set resolved_run = %(run)s, resolved_at = now() "
        "where resolved_at is null and entity = any(%(entities)s) and last_seen_run <> %(run)s",
        params,
    )
    return seen, cur.rowcount


@dataclass
class Reject:
    entity: str
    legacy_key: str
    business_key: str | None
    reason: str
    severity: str
    details: Any
    # the state's; None for a run's copy
    first_seen_at: datetime | None = None
    first_seen_run: str | None = None
    last_seen_at: datetime | None = None
    last_seen_run: str | None = None
    resolved_at: datetime | None = None
    resolved_run: str | None = None

    @property
    def status(self) -> str:
        return "resolved" if self.resolved_at else "open"

    def to_json(self, state: bool = True) -> dict[str, object]:
        data = asdict(self)
        if not state:
            return {k: data[k] for k in ("entity", "legacy_key", "business_key", "reason", "severity", "details")}
        for name in ("first_seen_at", "last_seen_at", "resolved_at"):
            data[name] = data[name].isoformat() if data[name] else None
        data["status"] = self.status
        return data


@dataclass
class RejectPage:
    """One page of a listing, with the counts of everything the filters select."""

    rows: list[Reject]
    total: int
    offset: int
    limit: int
    summary: list[dict[str, object]]  # per entity, reason and severity: how many rows

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.rows)
        return end if end < self.total else None


STATE_COLUMNS = (
    "entity, legacy_key, business_key, reason, severity, details, first_seen_at, first_seen_run::text, "
    "last_seen_at, last_seen_run::text, resolved_at, resolved_run::text"
)
RUN_COLUMNS = "entity, legacy_key, business_key, reason, severity, details"


def _filters(entity: str | None, reason: str | None, severity: str | None) -> tuple[str, dict[str, object]]:
    where = (
        "(%(entity)s::text is null or entity = %(entity)s) and (%(reason)s::text is null or reason = %(reason)s) "
        "and (%(severity)s::text is null or severity = %(severity)s)"
    )
    return where, {"entity": entity, "reason": reason, "severity": severity}


def _page(cur, source: str, where: str, params: dict, columns: str, order: str, limit: int, offset: int) -> RejectPage:
    cur.execute(
        f"select entity, reason, severity, count(*) from {source} where {where} "
        "group by entity, reason, severity order by entity, count(*) desc, reason",
        params,
    )
    summary = [dict(zip(("entity", "reason", "severity", "rows"), row, strict=True)) for row in cur.fetchall()]
    cur.execute(
        f"select {columns} from {source} where {where} order by {order} limit %(limit)s offset %(offset)s",
        {**params, "limit": limit, "offset": offset},
    )
    rows = [Reject(*row) for row in cur.fetchall()]
    return RejectPage(rows, sum(int(s["rows"]) for s in summary), offset, limit, summary)


def list_reject_state(
    conn,
    entity: str | None = None,
    reason: str | None = None,
    severity: str | None = None,
    include_resolved: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> RejectPage:
    """The open rejects (with ``include_resolved``, the resolved ones too), newest first: open ones by when they
    were first seen, resolved ones by when they were resolved."""
    where, params = _filters(entity, reason, severity)
    if not include_resolved:
        where += " and resolved_at is null"
    order = "coalesce(resolved_at, first_seen_at) desc, entity, reason, legacy_key"
    with conn.cursor() as cur:
        page = _page(cur, "pyerp_sync.reject_state", where, params, STATE_COLUMNS, order, limit, offset)
    conn.rollback()
    return page


def run_exists(conn, run_id: str) -> bool:
    """Whether the history has this run (``run_id`` must be a UUID)."""
    with conn.cursor() as cur:
        cur.execute("select exists (select from pyerp_sync.runs where run_id = %s::uuid)", (run_id,))
        (found,) = cur.fetchone()
    conn.rollback()
    return found


def list_run_rejects(
    conn,
    run_id: str,
    entity: str | None = None,
    reason: str | None = None,
    severity: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> RejectPage:
    """What one run copied: the rejects of the entities it rebuilt, as dbt saw them then (dry runs too)."""
    where, params = _filters(entity, reason, severity)
    where += " and run_id = %(run)s::uuid"
    with conn.cursor() as cur:
        page = _page(
            cur,
            "pyerp_sync.rejects",
            where,
            {**params, "run": run_id},
            RUN_COLUMNS,
            "entity, reason, legacy_key",
            limit,
            offset,
        )
    conn.rollback()
    return page


def open_reject_counts(conn) -> dict[str, int]:
    """Open rejects by severity: {"error": n, "warning": m}."""
    with conn.cursor() as cur:
        cur.execute(
            "select severity, count(*) from pyerp_sync.reject_state where resolved_at is null group by severity"
        )
        counts = dict(cur.fetchall())
    conn.rollback()
    return {severity: int(counts.get(severity, 0)) for severity in SEVERITIES}


def format_details(details: Any) -> str:
    """A details object in one short line: ``column=name value="Ein sehr lan…" rule="max_length 200"``."""
    if details is None:
        return ""
    if isinstance(details, list):
        return "; ".join(format_details(item) for item in details)
    if isinstance(details, dict):
        keys = [k for k in DETAIL_KEYS if k in details] + [k for k in details if k not in DETAIL_KEYS]
        return " ".join(f"{key}={_detail_value(details[key])}" for key in keys)
    return _detail_value(details)


def _detail_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > DETAIL_VALUE_WIDTH:
        text = text[: DETAIL_VALUE_WIDTH - 1] + "…"
    if isinstance(value, str) and (not text or any(c.isspace() or c in '"=;' for c in text)):
        return json.dumps(text, ensure_ascii=False)
    return text
