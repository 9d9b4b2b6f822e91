"""HTTP to 4D's ``/rest``: one request sent and judged, bounded retries, 4D's answers turned into typed errors.

Kept apart from the session rules (``client.py``) so that what is retried, and for how long, reads in one place:

- connection errors, timeouts, dropped connections, truncated bodies and 5xx are retried with exponential backoff
  and jitter (tenacity), bounded in time (``RetryPolicy``; a shorter budget while the client starts, so an
  unreachable server fails within a minute);
- **402** (no licence left) is waited out with the *same* cookie, then ``SessionLimitReached`` — never by opening
  another session;
- 4D's own query errors (bad filter, unknown attribute) are not retried: no retry can fix them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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

from extract.errors import ServerError, SessionLimitReached, SourceUnavailable
from extract.filters import Filter

log = logging.getLogger(__name__)

# 4D query-engine / REST errors that no retry can fix (4d-rest-api.md §4.2).
_REQUEST_ERROR_CODES = frozenset(
    {1112, 1162, 1200, 1201, 1203, 1204, 1279, 1280, 1500, 1800, 1802, 1804, 1806, 1810, 1811, 1812, 1816}
)
_RETRY_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Time budgets (seconds). Defaults follow contracts.md: about a minute for transient failures."""

    transient_budget: float = 60.0
    start_budget: float = 30.0  # + one last attempt (connect 5 s, read 15 s): an unreachable server fails within 60 s
    session_limit_budget: float = 90.0
    connect_timeout: float = 5.0
    read_timeout: float = 120.0
    max_wait: float = 8.0

    def timeout(self, *, start: bool) -> tuple[float, float]:
        """(connect, read) timeout of one request; reads are cut at 15 s while the client starts."""
        return self.connect_timeout, min(self.read_timeout, 15.0) if start else self.read_timeout


class TransientFailure(Exception):
    """A failure a retry may fix: connection refused/reset/dropped, timeout, truncated body, 5xx."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NoLicenceFree(Exception):
    """HTTP 402: 4D has no licence free. Retried with the same cookie."""


def one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def error_of(body: bytes) -> tuple[int | None, str]:
    """(errCode, message) of a 4D ``__ERROR`` stack, innermost first; (None, '') when there is none."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None, one_line(body[:200].decode("utf-8", "replace"))
    errors = data.get("__ERROR") if isinstance(data, dict) else None
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return None, ""
    first = errors[0]
    code = first.get("errCode")
    return (code if isinstance(code, int) else None), one_line(first.get("message", ""))


def rest_url(base_url: str, path: str, params: Mapping[str, object] | None) -> str:
    """``<base_url>/rest/<path>?…``; a ``Filter`` value is rendered, a None value left out."""
    url = f"{base_url}/rest/{path}"
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


def send_once(
    http: requests.Session,
    method: str,
    url: str,
    headers: Mapping[str, str],
    timeout: tuple[float, float],
    on_headers: Callable[[requests.Response], None],
) -> tuple[int, bytes]:
    """One request: (status, body), or ``TransientFailure`` / ``NoLicenceFree`` for what a retry may fix.

    ``on_headers`` sees the answer before its body is read: a session cookie 4D sends is adopted even when the
    connection then drops mid-body, so that licence is not leaked by asking again without a cookie.
    """
    try:
        response = http.request(method, url, headers=dict(headers), timeout=timeout, stream=True)
        on_headers(response)
        status, body = response.status_code, response.content
    except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
        raise TransientFailure(f"{type(exc).__name__}: {one_line(str(exc), 160)}") from exc
    if status == 402:
        raise NoLicenceFree()
    if status in _RETRY_STATUSES:
        code, message = error_of(body)
        if code in _REQUEST_ERROR_CODES:
            return status, body  # a query 4D cannot run: not worth a retry
        raise TransientFailure(f"HTTP {status} {message}".strip(), status=status)
    if status == 200 and method == "GET":
        # a dropped connection can end a body early even with a 200: check it parses before accepting it
        try:
            orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise TransientFailure("truncated or invalid JSON body") from exc
    return status, body


def with_retries(
    send: Callable[[], tuple[int, bytes]], policy: RetryPolicy, *, start: bool, where: str, server: str
) -> tuple[int, bytes]:
    """``send()`` retried within the policy's budgets; a typed ``ExtractError`` once they are spent.

    ``where`` (``GET /rest/…``) and ``server`` (the base URL) only go into log lines and messages.
    """

    def log_retry(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("4D %s failed (%s); retry %d", where, exc, state.attempt_number)

    transient = Retrying(
        retry=retry_if_exception_type(TransientFailure),
        stop=stop_before_delay(policy.start_budget if start else policy.transient_budget),
        wait=wait_random_exponential(multiplier=0.5, max=policy.max_wait),
        before_sleep=log_retry,
        reraise=True,
    )
    busy = Retrying(
        retry=retry_if_exception_type(NoLicenceFree),
        stop=stop_before_delay(policy.session_limit_budget),
        wait=wait_exponential_jitter(initial=1.0, max=20.0, jitter=1.0),
        before_sleep=lambda s: log.warning("4D answered 402 (no session licence free); waiting, same cookie"),
        reraise=True,
    )
    try:
        return busy(transient, send)
    except NoLicenceFree:
        raise SessionLimitReached(
            f"4D at {server} has no session licence free (HTTP 402) after waiting "
            f"{policy.session_limit_budget:.0f} s; no new session was opened"
        ) from None
    except TransientFailure as exc:
        if exc.status is not None:
            raise ServerError(f"4D at {server}: {where} kept failing: {exc}") from None
        raise SourceUnavailable(f"4D at {server} is unreachable ({exc})") from None
