"""The emulator's own clock: deterministic, never the wall clock.

Generated history ends at ``HISTORY_END``; every mutation advances the clock by at least one millisecond, except
inside a ``same_second()`` block, where it stands still. A test may skew it either way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

HISTORY_END = datetime(2026, 10, 1, 6, 0, 0, tzinfo=UTC)
HISTORY_END_MS = int(HISTORY_END.timestamp() * 1000)


def format_timestamp(epoch_ms: int) -> str:
    """``2026-10-01T06:00:00.000Z``: the ``__TIMESTAMP`` form (ISO UTC with milliseconds)."""
    seconds, millis = divmod(epoch_ms, 1000)
    t = time.gmtime(seconds)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.{millis:03d}Z"


_dst_bounds: dict[int, tuple[int, int]] = {}


def _last_sunday_1am_utc(year: int, month: int) -> int:
    last_day = 31 if month in (3, 10) else 30
    day = datetime(year, month, last_day, 1, 0, tzinfo=UTC)
    return int(day.timestamp()) - ((day.weekday() + 1) % 7) * 86400


def berlin_offset_seconds(epoch_s: int) -> int:
    """UTC offset of Europe/Berlin (CET/CEST, EU rules; summer time ended in September before 1996)."""
    year = time.gmtime(epoch_s).tm_year
    bounds = _dst_bounds.get(year)
    if bounds is None:
        bounds = (_last_sunday_1am_utc(year, 3), _last_sunday_1am_utc(year, 9 if year < 1996 else 10))
        _dst_bounds[year] = bounds
    return 7200 if bounds[0] <= epoch_s < bounds[1] else 3600


def berlin_local(epoch_ms: int) -> tuple[int, int, int, int]:
    """(year, month, day, seconds since midnight) of an instant in the ERP's local time (Europe/Berlin)."""
    seconds = epoch_ms // 1000
    local = seconds + berlin_offset_seconds(seconds)
    t = time.gmtime(local)
    return t.tm_year, t.tm_mon, t.tm_mday, local % 86400


class Clock:
    """Milliseconds since the epoch, advanced only by the emulator's own calls."""

    def __init__(self, start_ms: int = HISTORY_END_MS) -> None:
        self._now_ms = start_ms
        self._frozen = 0
        self._lock = threading.RLock()

    def now_ms(self) -> int:
        return self._now_ms

    def now_iso(self) -> str:
        return format_timestamp(self._now_ms)

    def tick(self, millis: int = 1) -> int:
        """Advance by ``millis`` (at least 1) unless inside ``same_second()``; the new instant."""
        with self._lock:
            if not self._frozen:
                self._now_ms += max(1, millis)
            return self._now_ms

    def advance(self, seconds: float) -> int:
        """Let time pass between syncs (positive seconds)."""
        if seconds < 0:
            raise ValueError("advance() takes a positive number of seconds; use skew() to go back")
        with self._lock:
            self._now_ms += round(seconds * 1000)
            return self._now_ms

    def skew(self, seconds: float) -> int:
        """Jump the clock by ``seconds``, backwards when negative (a server clock that was set wrong)."""
        with self._lock:
            self._now_ms += round(seconds * 1000)
            return self._now_ms

    @contextmanager
    def same_second(self) -> Iterator[None]:
        """Inside the block every change gets the same instant."""
        with self._lock:
            self._frozen += 1
        try:
            yield
        finally:
            with self._lock:
                self._frozen -= 1
