"""What every table generator shares: the per-table random source, the row layout, audit columns, history times."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from typing import Any

from emulator.clock import HISTORY_END_MS, format_timestamp
from emulator.defects import DefectRates, Manifest
from emulator.schema import TABLES_BY_NAME
from emulator.values import USERS, legacy_date_at, pick

DAY_MS = 86_400_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
HISTORY_START = date(1992, 1, 2)


def day_of(epoch_ms: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + epoch_ms // DAY_MS)


def ms_of(day: date) -> int:
    return (day.toordinal() - _EPOCH_ORDINAL) * DAY_MS


HISTORY_START_MS = ms_of(HISTORY_START)


def random_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=int(rng.random() * ((end - start).days + 1)))


class Generation:
    """The state of one dataset generation: rows per table, the manifest, lookups for child tables.

    A stored row is a tuple ``(__KEY, __TIMESTAMP, __STAMP, UID, <attributes...>, __GlobalStamp)``.
    """

    def __init__(self, seed: int, scale: float, rates: DefectRates) -> None:
        self.seed = seed
        self.scale = scale
        self.rates = rates
        self.manifest = Manifest()
        self.rows: dict[str, list[tuple]] = {}
        self.lookups: dict[str, Any] = {}  # by name, each of its own shape: the generators that read one know it
        self._global_stamp = itertools.count(1)

    def rng(self, table: str) -> random.Random:
        """One random source per table (and purpose), fixed by the seed."""
        return random.Random(f"{self.seed}:{table}")

    def count(self, table: str) -> int:
        return TABLES_BY_NAME[table].row_count(self.scale)

    def row(self, key: str, modified_ms: int, stamp: int, values: tuple | list) -> tuple:
        return (key, format_timestamp(modified_ms), stamp, key, *values, next(self._global_stamp))

    def next_global_stamp(self) -> int:
        """The counter after generation: the next stamp a change will get."""
        return next(self._global_stamp)


def history(
    rng: random.Random, earliest_ms: int = HISTORY_START_MS, created_ms: int | None = None
) -> tuple[int, int, int]:
    """(created, last modified, __STAMP) of a generated row: created after ``earliest_ms`` (or at ``created_ms``),
    modified later, mostly soon after creation."""
    if created_ms is None:
        earliest_ms = min(earliest_ms, HISTORY_END_MS - DAY_MS)
        created_ms = earliest_ms + int(rng.random() * (HISTORY_END_MS - DAY_MS - earliest_ms))
    created_ms = min(created_ms, HISTORY_END_MS - 1)
    modified = created_ms + int(rng.random() ** 3 * (HISTORY_END_MS - created_ms))
    stamp = 1 + int(rng.random() ** 2 * 12) if modified > created_ms else 1
    return created_ms, modified, stamp


def audit(rng: random.Random, created_ms: int, modified_ms: int) -> tuple:
    """``created_name, created_date, created_time, modified_name, modified_date, modified_time`` (local time)."""
    created_date, created_time = legacy_date_at(rng, created_ms)
    modified_date, modified_time = legacy_date_at(rng, modified_ms)
    return pick(rng, USERS), created_date, created_time, pick(rng, USERS), modified_date, modified_time


def spread(rng, items: int, buckets: int) -> list[int]:
    """Counts per bucket summing to ``items``: one each first, the rest at random."""
    if buckets == 0:
        return []
    counts = [1 if i < items else 0 for i in range(buckets)]
    for _ in range(max(0, items - buckets)):
        counts[int(rng.random() * buckets)] += 1
    return counts
