"""The ``/rest`` protocol: options, sessions, routes and answers (4d-rest-api.md, Part A and B).

HTTP plumbing lives in ``server.py``; this module turns one request into one ``Response``.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, overload
from urllib.parse import unquote, unquote_plus

import orjson

from emulator.catalog import catalog
from emulator.entities import EntityFormat
from emulator.errors import RestError, attribute_list_error, entity_not_found, malformed_url
from emulator.faults import Faults
from emulator.query import compute_aggregate, parse_attributes, select
from emulator.sessions import Session, SessionRegistry
from emulator.store import Store, TableData

DEFAULT_TOP = 100
STREAM_BATCH = 2_000
ENTITY_SET_TIMEOUT = 7_200
REBUILT_SET_TIMEOUT = 600
KNOWN_OPTIONS = frozenset({
    "$filter", "$orderby", "$top", "$limit", "$skip", "$attributes", "$method", "$timeout", "$compute",
    "$distinct", "$params", "$savedfilter", "$savedorderby", "$asArray", "$clean",
})  # fmt: skip
DOCUMENTED_NOT_EMULATED = frozenset({
    "$expand", "$queryplan", "$querypath", "$lock", "$imageformat", "$version", "$binary", "$format", "$atomic",
    "$atonce", "$logicOperator", "$otherCollection", "$subOrderby",
})  # fmt: skip
_ENTITY_PATH = re.compile(
    r"^(?P<dataclass>[^/()\[\]:$]+)(?:\((?P<key>[^)]*)\)|\[(?P<bracket_key>[^\]]*)\]|:(?P<unique>[^(]+)\((?P<value>[^)]*)\))?"
    r"(?:/(?P<rest>.*))?$"
)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    stream: Iterator[bytes] | None = None  # a collection page, written in chunks
    rows_sent: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Outcome:
    response: Response
    session_id: str | None
    session_opened: bool


@dataclass
class EntitySet:
    id: str
    dataclass: str
    keys: list[str]
    timeout: int
    expires: float
    saved_filter: str | None
    saved_orderby: str | None


def json_response(value, status: int = 200) -> Response:
    return Response(status=status, body=orjson.dumps(value))


def error_response(error: RestError) -> Response:
    response = json_response(error.body(), error.status)
    if error.status == 401:
        response.headers += [("4D-CREDENTIALS", "1.0"), ("WWW-Authenticate", "")]
    return response


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


def _unquoted(value: str | None) -> str | None:
    if value is not None and len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


@overload
def _number(options: dict[str, str], name: str, default: int) -> int: ...
@overload
def _number(options: dict[str, str], name: str, default: None) -> int | None: ...
def _number(options: dict[str, str], name: str, default: int | None) -> int | None:
    value = _unquoted(options.get(name))
    if value is None or value == "":
        return default
    if not value.strip().isdigit():
        raise malformed_url(f"{name} must be a whole number, not {value!r}")
    return int(value)


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
        self.entity_sets: dict[str, EntitySet] = {}
        self._rng = random.Random(f"{store.seed}:entitysets")
        self._lock = threading.Lock()
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
        return self._data(method, path, options)

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
        with self._lock:
            sets = [s for s in self.entity_sets.values() if s.expires > now]
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

    # --- data --------------------------------------------------------------------------------------------------

    def _data(self, method: str, path: str, options: dict[str, str]) -> Response:
        match = _ENTITY_PATH.match(path)
        if match is None:
            raise malformed_url(f"Malformed REST URL: /rest/{path}")
        data = self.store.table(match["dataclass"])
        rest = match["rest"]
        method_option = _unquoted(options.get("$method"))
        if method_option not in (None, "entityset", "release"):
            if method_option in ("update", "delete", "validate", "subentityset"):
                raise RestError(500, (1813, f"$method={method_option} is not supported by this emulator"))
            raise RestError(500, (1812, f"Unknown REST method: {method_option}"))
        key = match["key"] if match["key"] is not None else match["bracket_key"]
        if key is not None or match["unique"] is not None:
            row = self._find_entity(data, key, match["unique"], match["value"])
            selected = parse_attributes(self.store, data, rest or _unquoted(options.get("$attributes")))
            entity = EntityFormat(data, self.store.served_attributes(data), selected)(row)
            return json_response({"__DATACLASS": data.name, "__entityModel": data.name, **entity})
        if rest and rest.startswith("$entityset/"):
            return self._entity_set(data, rest[len("$entityset/") :], options)
        if rest and "/" in rest:
            raise malformed_url(f"Malformed REST URL: /rest/{path}")
        return self._collection(data, options, path_attributes=rest or None)

    def _find_entity(self, data: TableData, key: str | None, unique: str | None, value: str | None) -> tuple:
        if key is not None:
            key = _unquoted(key) or ""
            row = data.rows.get(key)
            if row is None:
                raise entity_not_found(key, data.name)
            return row
        column = data.columns.get(unique or "")
        if column is None:
            raise attribute_list_error(unique or "", data.name)
        wanted = _unquoted(value) or ""
        with self.store.lock:
            for candidate in data.order:
                row = data.rows[candidate]
                if row[column.index] is not None and str(row[column.index]) == wanted:
                    return row
        raise entity_not_found(wanted, data.name)

    def _collection(self, data: TableData, options: dict[str, str], path_attributes: str | None = None,
                    base_keys: list[str] | None = None, entity_set: EntitySet | None = None) -> Response:  # fmt: skip
        keys = select(
            self.store,
            data,
            options.get("$filter"),
            options.get("$params"),
            _unquoted(options.get("$orderby")),
            self.faults.strict_date_filters,
            base_keys,
        )
        compute = _unquoted(options.get("$compute"))
        distinct = _unquoted(options.get("$distinct"))
        attribute = None
        if path_attributes and (compute or distinct):
            served = {a.name: a for a in self.store.served_attributes(data)}
            attribute = served.get(path_attributes)
            if attribute is None:
                raise attribute_list_error(path_attributes, data.name)
        if compute:
            return json_response(compute_aggregate(self.store, data, keys, attribute, compute))
        skip = _number(options, "$skip", 0) or 0
        top = _number(options, "$top", None)
        if top is None:
            top = _number(options, "$limit", DEFAULT_TOP)
        if self.faults.top_cap is not None:
            top = min(top, self.faults.top_cap)
        if distinct and distinct.lower() == "true":
            if attribute is None:
                raise RestError(500, (1804, "$distinct needs one attribute: /rest/{dataClass}/{attribute}"))
            return self._distinct(data, keys, attribute.name, skip, top)
        if _unquoted(options.get("$method")) == "entityset":
            entity_set = self._create_entity_set(data, keys, options)
        selected = parse_attributes(self.store, data, path_attributes or _unquoted(options.get("$attributes")))
        with self.store.lock:
            page = [row for key in keys[skip : skip + top] if (row := data.rows.get(key)) is not None]
            count = len(keys)
        head: dict[str, object] = {}
        if entity_set is not None:
            head["__ENTITYSET"] = f"/rest/{data.name}/$entityset/{entity_set.id}"
        head.update({"__DATACLASS": data.name, "__entityModel": data.name,
                     "__GlobalStamp": self.store.envelope_stamp(), "__COUNT": count, "__FIRST": skip})  # fmt: skip
        render = EntityFormat(data, self.store.served_attributes(data), selected)
        as_array = (_unquoted(options.get("$asArray")) or "").lower() == "true"
        return Response(stream=_stream_page(head, page, render, as_array), rows_sent=len(page))

    def _distinct(self, data: TableData, keys: list[str], name: str, skip: int, top: int) -> Response:
        index = data.index(name) if name != "__GlobalStamp" else data.global_stamp_index
        with self.store.lock:
            values = {orjson.dumps(row[index]): row[index] for key in keys if (row := data.rows.get(key))}
        ordered = sorted(values.values(), key=lambda v: (v is None, str(type(v)), v if v is not None else 0))
        return json_response(ordered[skip : skip + top])

    def _create_entity_set(self, data: TableData, keys: list[str], options: dict[str, str]) -> EntitySet:
        timeout = _number(options, "$timeout", ENTITY_SET_TIMEOUT) or ENTITY_SET_TIMEOUT
        with self._lock:
            set_id = f"{self._rng.getrandbits(128):032X}"
            entity_set = EntitySet(set_id, data.name, list(keys), timeout, time.monotonic() + timeout,
                                   options.get("$savedfilter"), _unquoted(options.get("$savedorderby")))  # fmt: skip
            self.entity_sets[set_id] = entity_set
        return entity_set

    def _entity_set(self, data: TableData, set_id: str, options: dict[str, str]) -> Response:
        now = time.monotonic()
        with self._lock:
            entity_set = self.entity_sets.get(set_id)
            if entity_set is not None and (entity_set.expires <= now or entity_set.dataclass != data.name):
                if entity_set.expires <= now:
                    del self.entity_sets[set_id]
                entity_set = None
        if _unquoted(options.get("$method")) == "release":
            if entity_set is None:
                raise RestError(404, (1802, f"The entity set {set_id} does not exist"))
            with self._lock:
                self.entity_sets.pop(set_id, None)
            return json_response({"ok": True})
        if entity_set is None:
            saved_filter = options.get("$savedfilter")
            if saved_filter is None and options.get("$savedorderby") is None:
                raise RestError(404, (1802, f"The entity set {set_id} does not exist or has expired"))
            keys = select(self.store, data, _unquoted(saved_filter), options.get("$params"),
                          _unquoted(options.get("$savedorderby")), self.faults.strict_date_filters)  # fmt: skip
            entity_set = EntitySet(set_id, data.name, list(keys), REBUILT_SET_TIMEOUT, now + REBUILT_SET_TIMEOUT,
                                   saved_filter, _unquoted(options.get("$savedorderby")))  # fmt: skip
            with self._lock:
                self.entity_sets[set_id] = entity_set
        entity_set.expires = now + entity_set.timeout
        page_options = {k: v for k, v in options.items() if k != "$method"}
        return self._collection(data, page_options, base_keys=entity_set.keys)


def _stream_page(head: dict, rows: list[tuple], render: EntityFormat, as_array: bool) -> Iterator[bytes]:
    """The envelope, then the entities in batches: a page is never held as one JSON document."""
    yield b"[" if as_array else orjson.dumps(head)[:-1] + b',"__ENTITIES":['
    for start in range(0, len(rows), STREAM_BATCH):
        batch = orjson.dumps([render(row) for row in rows[start : start + STREAM_BATCH]])[1:-1]
        yield (b"," + batch) if start else batch
    yield b"]" if as_array else b'],"__SENT":' + str(len(rows)).encode() + b"}"
