"""Faults a test switches on per server: latency (on every request, or occasional spikes), error answers, dropped
connections, a ``$top`` cap, the production server's strict date filters, and a server that stops answering (now, or
after N more requests)."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, fields
from typing import Literal

Outcome = Literal["answer", "error", "drop", "silent"]


@dataclass
class Faults:
    latency_seconds: float = 0.0  # added to /rest requests (every one, or the latency_rate share of them)
    latency_rate: float = 1.0  # share of /rest requests delayed by latency_seconds (below 1: occasional spikes)
    error_rate: float = 0.0  # share of /rest requests answered with error_status
    error_status: int = 503  # 500 or 503
    drop_rate: float = 0.0  # share of /rest answers whose connection is cut mid-body
    top_cap: int | None = None  # the server never sends more entities per page than this
    strict_date_filters: bool = False  # 500 on > and < against date attributes, as production did
    down: bool = False  # connections are closed without an answer
    fail_after: int | None = None  # answer this many more /rest requests, then go down
    seed: int = 0
    _rng: random.Random = field(default_factory=random.Random, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._rng.seed(f"{self.seed}:faults")

    def settings(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_") and f.name != "seed"}

    def update(self, **settings) -> None:
        """Change some settings; unknown names or impossible values raise ValueError."""
        known = {f.name for f in fields(self) if not f.name.startswith("_") and f.name != "seed"}
        unknown = set(settings) - known
        if unknown:
            raise ValueError(f"unknown fault settings {sorted(unknown)}; known: {sorted(known)}")
        merged = {**self.settings(), **settings}
        if not all(0 <= merged[name] <= 1 for name in ("error_rate", "drop_rate", "latency_rate")):
            raise ValueError("error_rate, drop_rate and latency_rate are fractions between 0 and 1")
        if merged["error_status"] not in (500, 502, 503, 504):
            raise ValueError("error_status must be 500, 502, 503 or 504")
        if merged["latency_seconds"] < 0:
            raise ValueError("latency_seconds cannot be negative")
        for name, value in settings.items():
            setattr(self, name, value)

    def reset(self) -> None:
        self.update(**{f.name: f.default for f in fields(self) if not f.name.startswith("_") and f.name != "seed"})

    def decide(self) -> Outcome:
        """What happens to the next /rest request (draws from the server's own seeded random source)."""
        with self._lock:
            if self.fail_after is not None:
                if self.fail_after <= 0:
                    self.down = True
                    self.fail_after = None
                else:
                    self.fail_after -= 1
            if self.down:
                return "silent"
            if self.error_rate and self._rng.random() < self.error_rate:
                return "error"
            if self.drop_rate and self._rng.random() < self.drop_rate:
                return "drop"
            return "answer"

    def delay(self) -> float:
        """Seconds the next answered /rest request waits: latency_seconds, for the latency_rate share of them."""
        with self._lock:
            if not self.latency_seconds or self.latency_rate <= 0:
                return 0.0
            if self.latency_rate >= 1 or self._rng.random() < self.latency_rate:
                return self.latency_seconds
            return 0.0
