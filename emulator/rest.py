"""The ``/rest`` protocol's entry point: options, sessions and the meta routes (4d-rest-api.md, Part A and B).

HTTP plumbing lives in ``server.py``; this module turns one request into one ``Response``: it checks the options,
finds or opens the session (cookies, credentials, licences), answers ``$info``, ``$catalog`` and ``$directory``, and
hands the data routes (``/{dataClass}…``) to ``data_requests.py``.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import unquote, unquote_plus

from emulator.catalog import catalog
from emulator.data_requests import DataRequests
from emulator.errors import RestError, malformed_url
from emulator.faults import Faults
from emulator.responses import Response, error_response, json_response
from emulator.sessions import Session, SessionRegistry
from emulator.store import Store

KNOWN_OPTIONS = frozenset({
    "$filter", "$orderby", "$top", "$limit", "$skip", "$attributes", "$method", "$timeout", "$compute",
    "$distinct", "$params", "$savedfilter", "$savedorderby", "$asArray", "$clean",
})  # fmt: skip
DOCUMENTED_NOT_EMULATED = frozenset({
    "$expand", "$queryplan", "$querypath", "$lock", "$imageformat", "$version", "$binary", "$format", "$atomic",
    "$atonce", "$logicOperator", "$otherCollection", "$subOrderby",
})  # fmt: skip


@dataclass
class Outcome:
    response: Response
    session_id: str | None
    session_opened: bool


def parse_options(raw_query: str) -> dict[str, str]:
    """``$`` options of a query string; names and values URL-decoded (``%24top`` is ``$top``)."""
    options: dict[str, str] = {}
    for part in raw_query.split("&") if raw_query else ():
        if not part:
            continue
        name, _, value = part.partition("=")
        name, value = unquote_plus(name), unquote_plus(value)
        if not name.startswith("$"):
            continue  # 4D ignores other parameters (pyERP's old client sent new_data_only=true)
        if name in DOCUMENTED_NOT_EMULATED:
            raise RestError(500, (1813, f"The option {name} is documented by 4D but not supported by this emulator"))
        if name not in KNOWN_OPTIONS:
            raise RestError(500, (1811, f"Unknown REST query keyword: {name}"))
        options.setdefault(name, value)
    return options


class Headers(Protocol):
    """A request's headers, as the server's ``http.client.HTTPMessage`` or a plain ``dict`` gives them."""

    def get(self, name: str, /) -> str | None: ...


class RestApi:
    def __init__(self, store: Store, sessions: SessionRegistry, faults: Faults, credentials: tuple[str, str] | None,
                 app_name: str = "WSZ-DB") -> None:  # fmt: skip
        self.store = store
        self.sessions = sessions
        self.faults = faults
        self.credentials = credentials
        self.cookie_names = ("WASID4D", f"4DSID_{app_name}")
        self.data = DataRequests(store, faults)
        self.unique_id = f"{random.Random(f'{store.seed}:catalog').getrandbits(128):032X}"

    # --- sessions ----------------------------------------------------------------------------------------------

    def _cookie_session(self, headers: Headers) -> Session | None:
        for part in (headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name in self.cookie_names:
                session = self.sessions.find(value.strip())
                if session is not None:
                    return session
        return None

    def _check_credentials(self, headers: Headers) -> str:
        user = headers.get("username-4D") or ""
        if self.credentials is not None and (user, headers.get("password-4D") or "") != self.credentials:
            raise RestError(401, (1822, "Login failed: the user name or the password is not valid"))
        return user

    def _open_session(self, headers: Headers, user: str) -> tuple[Session, list[tuple[str, str]]]:
        length = headers.get("session-4D-length")
        try:
            minutes = float(length) if length else None
        except ValueError:
            raise malformed_url(f"session-4D-length must be a number of minutes, not {length!r}") from None
        session = self.sessions.open(user, minutes)
        cookies = [
            ("Set-Cookie", f"{name}={session.id}; Path=/; HttpOnly; SameSite=Strict") for name in self.cookie_names
        ]
        return session, cookies

    # --- entry point -------------------------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, raw_query: str, headers: Headers) -> Outcome:
        path = unquote(raw_path[len("/rest") :]).strip("/")
        session = self._cookie_session(headers)
        opened = False
        cookies: list[tuple[str, str]] = []
        try:
            if path == "$directory/login":
                user = self._check_credentials(headers)
                if session is None:
                    session, cookies = self._open_session(headers, user)
                    opened = True
            elif session is None and path != "$directory/logout":
                user = self._check_credentials(headers)
                session, cookies = self._open_session(headers, user)
                opened = True
            response = self._route(method, path, parse_options(raw_query), session)
        except RestError as error:
            response = error_response(error)
        response.headers += cookies
        return Outcome(response, session.id if session else None, opened)

    def _route(self, method: str, path: str, options: dict[str, str], session: Session | None) -> Response:
        if path == "":
            return json_response({"ok": True})
        if path.startswith("$info"):
            return self._info(path)
        if path == "$catalog" or path.startswith("$catalog/"):
            rest = path[len("$catalog/") :] if "/" in path else ""
            if rest in ("", "$all"):
                return json_response(catalog(self.store, self.unique_id, detailed=rest == "$all"))
            self.store.table(rest)
            return json_response(catalog(self.store, self.unique_id, detailed=True, only=rest))
        if path.startswith("$directory/"):
            return self._directory(method, path, session)
        if path.startswith("$"):
            raise RestError(500, (1811, f"Unknown REST keyword: {path.split('/')[0]}"))
        if method not in ("GET", "POST"):
            raise RestError(500, (1812, f"The HTTP method {method} is not supported on {path}"))
        return self.data.handle(method, path, options)

    def _directory(self, method: str, path: str, session: Session | None) -> Response:
        action = path[len("$directory/") :]
        if action == "login":
            if method != "POST":
                raise RestError(500, (1829, "$directory/login must be called with POST"))
            return json_response({"result": True})
        if action == "logout":
            if session is not None:
                self.sessions.close(session.id)
            return json_response({"result": True})
        if action == "currentUser":
            user = session.user if session else ""
            return json_response({"result": {"userName": user, "fullName": user, "ID": user} if user else None})
        raise RestError(500, (1811, f"Unknown REST keyword: $directory/{action}"))

    def _info(self, path: str) -> Response:
        now = time.monotonic()
        sets = self.data.live_entity_sets(now)
        wall = datetime.now(UTC)
        info = {
            "cacheSize": 209_715_200,
            "usedCache": 16 * sum(len(t.rows) for t in self.store.tables.values()),
            "entitySetCount": len(sets),
            "entitySet": [
                {"id": s.id, "dataClass": s.dataclass, "selectionSize": len(s.keys), "sorted": False,
                 "refreshed": wall.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                 "expires": (wall + timedelta(seconds=s.expires - now)).isoformat(timespec="milliseconds")
                 .replace("+00:00", "Z")}
                for s in sets
            ],
            "ProgressInfo": [],
            "sessionInfo": [
                {"sessionID": s.id, "userID": s.user, "userName": s.user, "lifeTime": round(s.lifetime_seconds),
                 "expiration": (wall + timedelta(seconds=s.lifetime_seconds - (now - s.last_used)))
                 .isoformat(timespec="milliseconds").replace("+00:00", "Z")}
                for s in self.sessions.live()
            ],
        }  # fmt: skip
        part = path[len("$info/") :] if path.startswith("$info/") else ""
        if part:
            if part not in ("sessionInfo", "entitySet", "cacheInfo"):
                raise RestError(500, (1811, f"Unknown REST keyword: $info/{part}"))
            cache = {"cacheSize": info["cacheSize"], "usedCache": info["usedCache"]}
            return json_response(cache if part == "cacheInfo" else info[part])
        return json_response(info)
