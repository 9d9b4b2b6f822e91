"""The 4D REST client: one session per run, reused across runs, and the 4D resources the extract reads.

The legacy server has very few session licences and opens a session (a licence) for every request that arrives
without a valid cookie. So this client:

- holds **one** session per run and reuses it **across runs**: the cookie lives in a JSON file (path passed in,
  ``session_cookie.py``) and is revalidated at start with ``GET /rest/$info``; a cookie 4D sends back replaces the
  stored one; there is no logout;
- sends **exactly one** session cookie (``WASID4D``) on every request;
- re-establishes the session only when 4D says it is gone (401), once per request;
- leaves retries and backoff (transient failures, 402) to ``transport.py`` and key-ordered paging to ``paging.py``.

Credentials go only into the ``$directory/login`` headers; they never appear in a message or a log line.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
import requests

from extract.errors import AuthenticationFailed, BadRequest
from extract.filters import Filter
from extract.paging import Page, key_ordered_pages
from extract.session_cookie import NoCookieJar, SessionStore, session_cookie_header, session_cookie_of
from extract.transport import RetryPolicy, error_of, rest_url, send_once, with_retries

# RetryPolicy is part of this module's interface: LegacyClient(policy=RetryPolicy(...)), and tests shorten the
# default budgets by patching extract.client.RetryPolicy.
__all__ = ["LegacyClient", "Page", "RetryPolicy"]

log = logging.getLogger(__name__)


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
        self._http.cookies.set_policy(NoCookieJar())
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

    def _adopt_cookie(self, response: requests.Response) -> None:
        value = session_cookie_of(response)
        if value and value != self._cookie:
            if self._cookie is not None:
                log.info("4D replaced the session cookie")
            self._cookie = value
            self.sessions_established += 1
            self._store.save(self.base_url, value)

    def _send_once(
        self, method: str, url: str, headers: Mapping[str, str] | None, timeout: tuple[float, float]
    ) -> tuple[int, bytes]:
        request_headers = dict(headers or {})
        if self._cookie:
            request_headers["Cookie"] = session_cookie_header(self._cookie)
        self.requests_by_label[self._label] += 1
        return send_once(self._http, method, url, request_headers, timeout, on_headers=self._adopt_cookie)

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
        url = rest_url(self.base_url, path, params)
        previous_label = self._label
        if label is not None:
            self._label = label
        timeout = self.policy.timeout(start=start)
        where = f"{method} /rest/{path}"
        reestablished = False
        try:
            while True:
                status, body = with_retries(
                    lambda: self._send_once(method, url, headers, timeout),
                    self.policy,
                    start=start,
                    where=where,
                    server=self.base_url,
                )
                if status == 200 or status in allow_statuses:
                    return status, body
                code, message = error_of(body)
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
        """Every entity of a selection, in key order, one page per request (``paging.py`` says why key order).

        ``key_attribute="__KEY"`` stands for the dataclass's primary-key attribute (``__KEY`` itself cannot be
        filtered or ordered on).
        """
        if key_attribute == "__KEY":
            key_attribute = self.primary_key(dataclass)
        yield from key_ordered_pages(
            self.get_json,
            dataclass,
            key_attribute=key_attribute,
            attributes=attributes,
            filter=filter,
            page_size=page_size,
        )
