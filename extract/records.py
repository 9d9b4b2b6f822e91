"""4D entities -> Arrow tables in the raw-table shape (the landing fast path).

The raw contract (README): every 4D attribute lands as ``text`` holding the JSON scalar as text — strings as sent,
numbers and booleans as their JSON text (``5000.0``, ``true``), objects and deferred relations as compact JSON,
``null`` as NULL — so a 4D type change or a field that mixes types never breaks a load. The 4D system columns are
typed: ``__KEY`` text, ``__STAMP`` bigint, ``__TIMESTAMP`` timestamptz, ``__GlobalStamp`` bigint (when the server
tracks changes). ``_is_deleted`` / ``_deleted_at`` are the soft-delete marker.

Building one Arrow table per page of all-string columns is cheap and lets dlt skip its per-row normalize step; dlt
writes it as CSV and the destination COPYs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

KEY = "__KEY"
STAMP = "__STAMP"
TIMESTAMP = "__TIMESTAMP"
GLOBAL_STAMP = "__GlobalStamp"
IS_DELETED = "_is_deleted"
DELETED_AT = "_deleted_at"

TIMESTAMP_TYPE = pa.timestamp("us", tz="UTC")
_LEGACY_DATE = re.compile(r"^\s*(\d{1,2})!(\d{1,2})!(\d{2,4})\s*$")


def render_text(value: Any) -> str | None:
    """A JSON value as raw text: strings as sent, everything else as its compact JSON text, null as None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode("utf-8")


def parse_legacy_date(value: Any) -> date | None:
    """``d!m!yyyy`` (padded or not) -> date; ``0!0!0``, null, two-digit years and garbage -> None."""
    if not isinstance(value, str):
        return None
    match = _LEGACY_DATE.match(value)
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    if year < 1000:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def system_columns(tracked: bool) -> tuple[str, ...]:
    return (KEY, STAMP, TIMESTAMP, GLOBAL_STAMP) if tracked else (KEY, STAMP, TIMESTAMP)


def arrow_schema(attributes: Sequence[str], tracked: bool) -> pa.Schema:
    fields = [
        pa.field(KEY, pa.string(), nullable=False),
        pa.field(STAMP, pa.int64()),
        pa.field(TIMESTAMP, TIMESTAMP_TYPE),
    ]
    if tracked:
        fields.append(pa.field(GLOBAL_STAMP, pa.int64()))
    fields.extend(pa.field(name, pa.string()) for name in attributes)
    fields.append(pa.field(IS_DELETED, pa.bool_(), nullable=False))
    fields.append(pa.field(DELETED_AT, TIMESTAMP_TYPE))
    return pa.schema(fields)


def _timestamps(values: list[Any]) -> pa.Array:
    """``__TIMESTAMP`` strings (ISO UTC with ms, ``Z``) -> timestamptz; unparseable values become null."""
    cleaned = [v.strip('"') if isinstance(v, str) else None for v in values]
    strings = pa.array(cleaned, pa.string())
    try:
        return pc.cast(strings, TIMESTAMP_TYPE)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        parsed = []
        for text in cleaned:
            try:
                parsed.append(datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None)
            except ValueError:
                parsed.append(None)
        return pa.array(parsed, TIMESTAMP_TYPE)


def _stamps(values: list[Any]) -> pa.Array:
    return pa.array(
        [int(v) if isinstance(v, (int, float)) or (isinstance(v, str) and v.isdigit()) else None for v in values],
        pa.int64(),
    )


def entities_table(entities: Sequence[Mapping[str, Any]], attributes: Sequence[str], tracked: bool) -> pa.Table:
    """One page of 4D entities as an Arrow table of the raw shape (live rows: ``_is_deleted`` false)."""
    columns: list[pa.Array] = [
        pa.array([e[KEY] if isinstance(e[KEY], str) else render_text(e[KEY]) for e in entities], pa.string()),
        _stamps([e.get(STAMP) for e in entities]),
        _timestamps([e.get(TIMESTAMP) for e in entities]),
    ]
    if tracked:
        columns.append(_stamps([e.get(GLOBAL_STAMP) for e in entities]))
    for name in attributes:
        columns.append(pa.array([render_text(e.get(name)) for e in entities], pa.string()))
    columns.append(pa.array([False] * len(entities), pa.bool_()))
    columns.append(pa.nulls(len(entities), TIMESTAMP_TYPE))
    return pa.Table.from_arrays(columns, schema=arrow_schema(attributes, tracked))


def deleted_table(
    rows: Iterable[Mapping[str, Any]], attributes: Sequence[str], tracked: bool, seen_at: datetime | None = None
) -> pa.Table:
    """Landed rows (as read back from ``legacy_raw``) re-emitted with ``_is_deleted`` true: they keep their content."""
    rows = list(rows)
    seen_at = seen_at or datetime.now(UTC)
    schema = arrow_schema(attributes, tracked)
    data: dict[str, list[Any]] = {name: [row.get(name) for row in rows] for name in schema.names}
    data[IS_DELETED] = [True] * len(rows)
    data[DELETED_AT] = [seen_at] * len(rows)
    return pa.Table.from_pydict(data, schema=schema)
