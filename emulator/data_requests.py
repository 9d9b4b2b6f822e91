"""The data half of ``/rest``: ``/{dataClass}…``, one entity, a page of a selection, and entity sets.

``rest.py`` handles the session and the meta routes (``$info``, ``$catalog``, ``$directory``) and hands every other
path here. A collection page is streamed (``Response.stream``) in batches, never held as one JSON document. Entity
sets (``$method=entityset``) live ``$timeout`` seconds (default 2 hours); an expired one is rebuilt from
``$savedfilter``/``$savedorderby`` when the request carries them.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import overload

import orjson

from emulator.entities import EntityFormat
from emulator.errors import RestError, attribute_list_error, entity_not_found, malformed_url
from emulator.faults import Faults
from emulator.query import compute_aggregate, parse_attributes, select
from emulator.responses import Response, json_response
from emulator.store import Store, TableData

DEFAULT_TOP = 100
STREAM_BATCH = 2_000
ENTITY_SET_TIMEOUT = 7_200
REBUILT_SET_TIMEOUT = 600
_ENTITY_PATH = re.compile(
    r"^(?P<dataclass>[^/()\[\]:$]+)(?:\((?P<key>[^)]*)\)|\[(?P<bracket_key>[^\]]*)\]|:(?P<unique>[^(]+)\((?P<value>[^)]*)\))?"
    r"(?:/(?P<rest>.*))?$"
)


@dataclass
class EntitySet:
    id: str
    dataclass: str
    keys: list[str]
    timeout: int
    expires: float
    saved_filter: str | None
    saved_orderby: str | None


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


class DataRequests:
    """Answers data requests from one store; holds the entity sets created on it."""

    def __init__(self, store: Store, faults: Faults) -> None:
        self.store = store
        self.faults = faults
        self.entity_sets: dict[str, EntitySet] = {}
        self._rng = random.Random(f"{store.seed}:entitysets")
        self._lock = threading.Lock()

    def live_entity_sets(self, now: float) -> list[EntitySet]:
        """The entity sets not expired at ``now`` (``time.monotonic()``), for ``$info``."""
        with self._lock:
            return [s for s in self.entity_sets.values() if s.expires > now]

    def handle(self, method: str, path: str, options: dict[str, str]) -> Response:
        """The answer to ``/rest/{dataClass}…`` (``path`` without ``/rest/``; ``options`` already decoded)."""
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
