"""The 4D REST client: one session, bounded retries, key-ordered paging, typed errors.

The legacy server has very few session licences and opens a session (a licence) for every request that arrives
without a valid cookie. So this client:

- holds **one** session per run and reuses it **across runs**: the cookie lives in a JSON file (path passed in) and is
  revalidated at start with ``GET /rest/$info``; a cookie 4D sends back replaces the stored one; there is no logout;
- sends **exactly one** session cookie (``WASID4D``) on every request: requests' cookie jar is disabled, because 4D
  sets both ``WASID4D`` and ``4DSID_<app>`` and two cookies in one request break authentication;
- on **402** (no licence left) backs off exponentially with the *same* cookie and finally raises
  ``SessionLimitReached`` — it never opens another session to get round the limit;
- re-establishes the session only when 4D says it is gone (401), once per request;
- retries connection errors, timeouts, dropped connections, truncated bodies and 5xx with exponential backoff and
  jitter (tenacity), bounded in time; 4D's own query errors (bad filter, unknown attribute) are not retried.

Credentials go only into the ``$directory/login`` headers; they never appear in a message or a log line.
"""

from __future__ import annotations

import http.cookiejar
import json
import logging
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_before_delay,
    wait_exponential_jitter,
    wait_random_exponential,
)

from extract.errors import (
    AuthenticationFailed,
    BadRequest,
    ExtractError,
    ServerError,
    SessionLimitReached,
    SourceUnavailable,
)
from extract.filters import Filter, Gt, Value, all_of

log = logging.getLogger(__name__)

SESSION_COOKIE = "WASID4D"
_SESSION_COOKIE_NAMES = re.compile(r"^(WASID4D|4DSID_.+)$")
# 4D query-engine / REST errors that no retry can fix (4d-rest-api.md §4.2).
_REQUEST_ERROR_CODES = frozenset(
    {1112, 1162, 1200, 1201, 1203, 1204, 1279, 1280, 1500, 1800, 1802, 1804, 1806, 1810, 1811, 1812, 1816}
)
_RETRY_STATUSES = frozenset({500, 502, 503, 504})


class _Transient(Exception):
    """A failure a retry may fix: connection refused/reset/dropped, timeout, truncated body, 5xx."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _SessionBusy(Exception):
    """HTTP 402: 4D has no licence free. Retried with the same cookie."""


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Keep requests from storing cookies: the client sends exactly one, by hand."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


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


@dataclass(frozen=True)
class Page:
    """One page of a collection request."""

    entities: list[dict[str, Any]]
    count: int  # __COUNT: size of the whole (remaining) selection
    global_stamp: int | None  # the envelope's __GlobalStamp (0 without change tracking)


@dataclass(frozen=True)
class RetryPolicy:
    """Time budgets (seconds). Defaults follow contracts.md: about a minute for transient failures."""

    transient_budget: float = 60.0
    start_budget: float = 30.0  # + one last attempt (connect 5 s, read 15 s): an unreachable server fails within 60 s
    session_limit_budget: float = 90.0
    connect_timeout: float = 5.0
    read_timeout: float = 120.0
    max_wait: float = 8.0


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _error_of(body: bytes) -> tuple[int | None, str]:
    """(errCode, message) of a 4D ``__ERROR`` stack, innermost first; (None, '') when there is none."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None, _one_line(body[:200].decode("utf-8", "replace"))
    errors = data.get("__ERROR") if isinstance(data, dict) else None
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return None, ""
    first = errors[0]
    code = first.get("errCode")
    return (code if isinstance(code, int) else None), _one_line(first.get("message", ""))


class LegacyClient:
    """A client for one 4D server. Use as a context manager, or call ``open()`` then ``close()``."""

    def __init__(
        self,
        base_url: str,
        session_file: Path,
        *,
        username: str | None = None,
        password: str | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        if self.base_url.endswith("/rest"):
            self.base_url = self.base_url[: -len("/rest")]
        self._store = SessionStore(session_file)
        self._username = username
        self._password = password
        self.policy = policy or RetryPolicy()
        self._http = requests.Session()
        self._http.cookies.set_policy(_NoCookies())
        self._http.headers.update({"Accept": "application/json", "User-Agent": "pyerp-sync"})
        self._cookie: str | None = None
        self.requests_by_label: Counter[str] = Counter()
        self.sessions_established = 0  # session cookies 4D issued during this run (0: the stored one was reused)
        self.session_reused = False
        self._label = "-"
        self._catalog: dict[str, dict[str, Any]] | None = None

    # --- lifecycle ---------------------------------------------------------------------------------------------

    def __enter__(self) -> LegacyClient:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections. The 4D session stays open on purpose (no logout: contracts.md)."""
        self._http.close()

    def open(self) -> None:
        """Revalidate the stored session with ``$info``, or establish one. Fails fast when 4D is unreachable."""
        stored = self._store.load(self.base_url)
        if stored is None:
            self._establish(start=True)
        else:
            self._cookie = stored.cookie_value
            status, _ = self._call("GET", "$info", label="session", start=True, allow_statuses=(401, 403))
            if status in (401, 403):
                self._cookie = None
                self._establish(start=True)
            elif self._cookie == stored.cookie_value:
                self.session_reused = True
                log.info("4D session reused (stored cookie still valid)")
            else:
                log.info("4D session had expired; the server opened a new one, now stored")
        if self._cookie is None:
            log.warning("4D answered without a session cookie; continuing without one")

    def _establish(self, *, start: bool = False) -> None:
        """Open a session: ``$directory/login`` with credentials, else a plain ``$info`` without a cookie."""
        if self._username:
            headers = {"username-4D": self._username, "password-4D": self._password or ""}
            status, body = self._call(
                "POST", "$directory/login", label="session", headers=headers, start=start, allow_statuses=(401,)
            )
            result = orjson.loads(body).get("result") if status == 200 and body else None
            if status == 401 or result is not True:
                raise AuthenticationFailed(f"4D at {self.base_url} refused the login of user {self._username!r}")
        else:
            self._cookie = None
            self._call("GET", "$info", label="session", start=start)

    # --- requests ----------------------------------------------------------------------------------------------

    def labelled(self, label: str) -> LegacyClient:
        """Count the following requests under ``label`` (a table name) in ``requests_by_label``."""
        self._label = label
        return self

    @property
    def session_cookie(self) -> str | None:
        return self._cookie

    def _url(self, path: str, params: Mapping[str, object] | None) -> str:
        url = f"{self.base_url}/rest/{path}"
        if params:
            parts = []
            for key, value in params.items():
                if value is None:
                    continue
                text = value.render() if isinstance(value, Filter) else str(value)
                parts.append(f"{key}={quote(text, safe=',')}")
            if parts:
                url += "?" + "&".join(parts)
        return url

    def _adopt_cookie(self, response: requests.Response) -> None:
        values = {c.name: c.value for c in response.cookies if _SESSION_COOKIE_NAMES.match(c.name) and c.value}
        value = values.get(SESSION_COOKIE) or next(iter(values.values()), None)
        if value and value != self._cookie:
            if self._cookie is not None:
                log.info("4D replaced the session cookie")
            self._cookie = value
            self.sessions_established += 1
            self._store.save(self.base_url, value)

    def _send_once(self, method: str, url: str, headers: Mapping[str, str] | None, timeout: tuple[float, float]):
        request_headers = dict(headers or {})
        if self._cookie:
            request_headers["Cookie"] = f"{SESSION_COOKIE}={self._cookie}"
        self.requests_by_label[self._label] += 1
        try:
            response = self._http.request(method, url, headers=request_headers, timeout=timeout, stream=True)
            # adopt a new session cookie from the headers before reading the body: a connection dropped mid-body
            # after 4D opened a session must not leak that licence by making us ask again without a cookie
            self._adopt_cookie(response)
            status, body = response.status_code, response.content
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            raise _Transient(f"{type(exc).__name__}: {_one_line(str(exc), 160)}") from exc
        if status == 402:
            raise _SessionBusy()
        if status in _RETRY_STATUSES:
            code, message = _error_of(body)
            if code in _REQUEST_ERROR_CODES:
                return status, body  # a query 4D cannot run: not worth a retry
            raise _Transient(f"HTTP {status} {message}".strip(), status=status)
        if status == 200 and method == "GET":
            # a dropped connection can end a body early even with a 200: check it parses before accepting it
            try:
                orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise _Transient("truncated or invalid JSON body") from exc
        return status, body

    def _call(
        self,
        method: str,
        path: str,
        *,
        label: str | None = None,
        params: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        start: bool = False,
        allow_statuses: Sequence[int] = (),
    ) -> tuple[int, bytes]:
        """Send with retries; return (status, body) for 200 or an allowed status, raise a typed error otherwise."""
        policy = self.policy
        url = self._url(path, params)
        previous_label = self._label
        if label is not None:
            self._label = label
        timeout = (policy.connect_timeout, min(policy.read_timeout, 15.0) if start else policy.read_timeout)
        where = f"{method} /rest/{path}"

        def log_retry(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.warning("4D %s failed (%s); retry %d", where, exc, state.attempt_number)

        transient = Retrying(
            retry=retry_if_exception_type(_Transient),
            stop=stop_before_delay(policy.start_budget if start else policy.transient_budget),
            wait=wait_random_exponential(multiplier=0.5, max=policy.max_wait),
            before_sleep=log_retry,
            reraise=True,
        )
        busy = Retrying(
            retry=retry_if_exception_type(_SessionBusy),
            stop=stop_before_delay(policy.session_limit_budget),
            wait=wait_exponential_jitter(initial=1.0, max=20.0, jitter=1.0),
            before_sleep=lambda s: log.warning("4D answered 402 (no session licence free); waiting, same cookie"),
            reraise=True,
        )
        reestablished = False
        try:
            while True:
                try:
                    status, body = busy(transient, self._send_once, method, url, headers, timeout)
                except _SessionBusy:
                    raise SessionLimitReached(
                        f"4D at {self.base_url} has no session licence free (HTTP 402) after waiting "
                        f"{policy.session_limit_budget:.0f} s; no new session was opened"
                    ) from None
                except _Transient as exc:
                    if exc.status is not None:
                        raise ServerError(f"4D at {self.base_url}: {where} kept failing: {exc}") from None
                    raise SourceUnavailable(f"4D at {self.base_url} is unreachable ({exc})") from None
                if status == 200 or status in allow_statuses:
                    return status, body
                code, message = _error_of(body)
                if status == 401 and not reestablished and path not in ("$info", "$directory/login"):
                    log.warning("4D says the session is gone (401); establishing it again")
                    self._establish()
                    reestablished = True
                    continue
                if status in (401, 403):
                    refused = f"4D at {self.base_url} refused {where} (HTTP {status}) {message}"
                    raise AuthenticationFailed(refused.strip())
                raise BadRequest(f"4D rejected {where} (HTTP {status}, errCode {code}): {message or 'no message'}")
        finally:
            self._label = previous_label

    def get_json(self, path: str, params: Mapping[str, object] | None = None, *, label: str | None = None) -> Any:
        _, body = self._call("GET", path, params=params, label=label)
        return orjson.loads(body)

    # --- 4D resources ------------------------------------------------------------------------------------------

    def catalog(self) -> dict[str, dict[str, Any]]:
        """Every exposed dataclass with its attributes and key, by name (``GET /rest/$catalog/$all``)."""
        body = self.get_json("$catalog/$all", label="catalog")
        self._catalog = {dc["name"]: dc for dc in body.get("dataClasses", []) if isinstance(dc, dict) and "name" in dc}
        return self._catalog

    def primary_key(self, dataclass: str) -> str:
        """The primary-key attribute of a dataclass (``UID`` on the legacy server), from ``$catalog``."""
        entry = (self._catalog or {}).get(dataclass)
        if entry is None:
            body = self.get_json(f"$catalog/{dataclass}", label="catalog")
            classes = body["dataClasses"] if isinstance(body, dict) and "dataClasses" in body else [body]
            entry = next((dc for dc in classes if isinstance(dc, dict) and dc.get("name") == dataclass), {})
        key = entry.get("key") or []
        if key and isinstance(key[0], dict) and key[0].get("name"):
            return str(key[0]["name"])
        identifying = [a["name"] for a in entry.get("attributes", []) if isinstance(a, dict) and a.get("identifying")]
        if not identifying:
            raise BadRequest(f"4D's catalog names no primary key for {dataclass}")
        return str(identifying[0])

    def count(self, dataclass: str, key_attribute: str, filter: Filter | None = None) -> int:
        """Size of a selection: ``__COUNT`` of a one-entity page."""
        body = self.get_json(dataclass, {"$filter": filter, "$top": 1, "$attributes": key_attribute})
        return int(body["__COUNT"])

    def pages(
        self,
        dataclass: str,
        *,
        key_attribute: str,
        attributes: Sequence[str],
        filter: Filter | None = None,
        page_size: int = 5000,
    ) -> Iterator[Page]:
        """Every entity of a selection, in key order, one page per request.

        Key-ordered paging (``$orderby`` on the primary key, the next page starting after the last key seen) rather
        than ``$skip``: inserts and deletes while we page cannot shift rows between pages, so none is skipped or
        read twice; it needs no server-side memory (a stored entity set expires and costs the server), and a page
        can be repeated after a dropped connection. A row changed after its page was read is picked up by the next
        run, whose lower bound (stamp or date) is taken before this one started reading. ``key_attribute="__KEY"``
        stands for the dataclass's primary-key attribute (``__KEY`` itself cannot be filtered or ordered on).
        """
        if key_attribute == "__KEY":
            key_attribute = self.primary_key(dataclass)
        wanted = list(dict.fromkeys([key_attribute, *attributes]))
        last: Value = None
        while True:
            params = {
                "$filter": all_of(filter, Gt(key_attribute, last) if last is not None else None),
                "$orderby": f"{key_attribute} asc",
                "$top": page_size,
                "$attributes": ",".join(wanted),
            }
            started = time.monotonic()
            body = self.get_json(dataclass, params)
            entities = body.get("__ENTITIES") or []
            count = int(body.get("__COUNT", len(entities)))
            stamp = body.get("__GlobalStamp")
            log.debug("%s: %d of %d in %.2fs", dataclass, len(entities), count, time.monotonic() - started)
            yield Page(entities=entities, count=count, global_stamp=int(stamp) if stamp is not None else None)
            # distinct keys: a page that repeats an entity holds fewer rows than it has entries
            if not entities or len({e.get("__KEY") for e in entities}) >= count:
                return
            last = entities[-1].get(key_attribute)
            if last is None:
                raise ExtractError(f"4D sent {dataclass} entities without their key attribute {key_attribute}")
