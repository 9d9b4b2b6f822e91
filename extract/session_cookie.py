"""The 4D session cookie: which of 4D's cookies is the session, and the file that keeps it between runs.

The legacy server has very few session licences and opens a session (takes a licence) for every request that
arrives without a valid cookie, so the client holds one session and reuses it across runs: the cookie is kept in a
JSON file (one entry per server URL, written atomically, mode 0600). 4D sets two cookies for one session
(``WASID4D`` and ``4DSID_<app>``) and two cookies in one request break authentication, so requests' cookie jar is
kept empty (``NoCookieJar``) and exactly one, ``WASID4D``, is sent by hand.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

SESSION_COOKIE = "WASID4D"
_SESSION_COOKIE_NAMES = re.compile(r"^(WASID4D|4DSID_.+)$")


class NoCookieJar(http.cookiejar.DefaultCookiePolicy):
    """Keep requests from storing cookies: the client sends exactly one, by hand."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


def session_cookie_header(value: str) -> str:
    """The ``Cookie`` header of a request in the session ``value``."""
    return f"{SESSION_COOKIE}={value}"


def session_cookie_of(response: requests.Response) -> str | None:
    """The session cookie 4D set in an answer (``WASID4D`` first, else ``4DSID_<app>``), or None."""
    values = {c.name: c.value for c in response.cookies if _SESSION_COOKIE_NAMES.match(c.name) and c.value}
    return values.get(SESSION_COOKIE) or next(iter(values.values()), None)


@dataclass(frozen=True)
class StoredSession:
    cookie_value: str
    saved_at: str


class SessionStore:
    """The 4D session cookie, kept in a JSON file between runs (one entry per server URL)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) and isinstance(data.get("sessions"), dict) else {}

    def load(self, base_url: str) -> StoredSession | None:
        entry = self._read().get("sessions", {}).get(base_url)
        if not isinstance(entry, dict) or not entry.get("cookie_value"):
            return None
        return StoredSession(cookie_value=str(entry["cookie_value"]), saved_at=str(entry.get("saved_at", "")))

    def save(self, base_url: str, cookie_value: str) -> None:
        data = self._read() or {"sessions": {}}
        data["sessions"][base_url] = {
            "cookie_name": SESSION_COOKIE,
            "cookie_value": cookie_value,
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".4d-session.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
