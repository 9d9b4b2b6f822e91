"""4D REST sessions: a cookie per session, a licence limit, idle expiry.

A request with a live session cookie (``WASID4D`` or ``4DSID_<app>``) reuses that session and refreshes its idle
timer; any other request opens a new one while licences are left, else 402 / errCode 1823.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

from emulator.errors import RestError

MIN_SESSION_MINUTES = 60  # 4D: session-4D-length cannot be set below 60 minutes


@dataclass
class Session:
    id: str
    user: str
    lifetime_seconds: float
    last_used: float
    holder: str = "client"  # "other-client" for sessions a test holds to use up licences

    def expired(self, now: float) -> bool:
        return now - self.last_used > self.lifetime_seconds


class SessionRegistry:
    def __init__(self, max_sessions: int = 3, idle_timeout: float = 3600.0, seed: int = 0) -> None:
        self.max_sessions = max_sessions
        self.idle_timeout = idle_timeout
        self._rng = random.Random(f"{seed}:sessions")
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        for session_id in [s.id for s in self._sessions.values() if s.expired(now)]:
            del self._sessions[session_id]

    def find(self, session_id: str | None) -> Session | None:
        """The live session with this id, its idle timer refreshed; None if unknown or expired."""
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            session = self._sessions.get(session_id or "")
            if session is not None:
                session.last_used = now
            return session

    def open(self, user: str = "", length_minutes: float | None = None, holder: str = "client") -> Session:
        """A new session, or 402 / 1823 when every licence is taken."""
        now = time.monotonic()
        lifetime = self.idle_timeout
        if length_minutes is not None:
            lifetime = max(length_minutes, MIN_SESSION_MINUTES) * 60
        with self._lock:
            self._expire(now)
            if len(self._sessions) >= self.max_sessions:
                raise RestError(402, (1823, "Maximum number of sessions reached"))
            session = Session(f"{self._rng.getrandbits(128):032X}", user, lifetime, now, holder)
            self._sessions[session.id] = session
            return session

    def close(self, session_id: str) -> bool:
        with self._lock:
            return self._sessions.pop(session_id, None) is not None

    def close_all(self, holder: str | None = None) -> int:
        with self._lock:
            doomed = [s.id for s in self._sessions.values() if holder is None or s.holder == holder]
            for session_id in doomed:
                del self._sessions[session_id]
            return len(doomed)

    def live(self) -> list[Session]:
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            return list(self._sessions.values())
