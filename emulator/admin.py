"""The admin endpoint outside ``/rest``: lets another process drive mutations, faults and sessions and read the
request log and the manifest. Never subject to sessions or faults.

    GET    /_admin/status     row counts, clock, global stamp, sessions, change tracking
    GET    /_admin/log        the request log;  DELETE /_admin/log clears it
    GET    /_admin/manifest   the planted defects
    POST   /_admin/mutate     {"op": "update"|"insert"|"delete", "table", "percent"|"count"|"keys"}
                              {"op": "advance_clock"|"skew_clock", "seconds"}; or {"ops": [...]};
                              "same_second": true runs the whole body within one clock instant
    GET    /_admin/faults     current fault settings;  POST sets some;  DELETE resets all
    GET    /_admin/sessions   live sessions;  POST {"hold": n} or {"release": "all" | [ids]}
    POST   /_admin/change_tracking  {"enabled": true|false}
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import asdict
from typing import TYPE_CHECKING

import orjson

from emulator.errors import RestError

if TYPE_CHECKING:  # a type only: the HTTP handler (http_server.py, run by server.py) imports this module
    from emulator.server import EmulatorServer


def handle_admin(emulator: EmulatorServer, method: str, path: str, body: bytes) -> tuple[int, object]:
    """(HTTP status, JSON-able answer) for one admin request."""
    route = path[len("/_admin") :].strip("/")
    try:
        payload = orjson.loads(body) if body.strip() else {}
        return 200, _route(emulator, method, route, payload)
    except (ValueError, TypeError, KeyError) as error:
        return 400, {"error": str(error)}
    except RestError as error:
        return error.status, error.body()
    except LookupError as error:  # pragma: no cover - KeyError is caught above; other lookups end here
        return 404, {"error": str(error)}


def _route(emulator: EmulatorServer, method: str, route: str, payload: dict):
    if (method, route) == ("GET", "status"):
        return emulator.status()
    if route == "log":
        if method == "DELETE":
            emulator.request_log.clear()
            return {"ok": True}
        return [asdict(record) for record in list(emulator.request_log)]
    if (method, route) == ("GET", "manifest"):
        return emulator.manifest
    if (method, route) == ("POST", "mutate"):
        return _mutate(emulator, payload)
    if route == "faults":
        if method == "POST":
            emulator.faults.update(**payload)
        elif method == "DELETE":
            emulator.faults.reset()
        return emulator.faults.settings()
    if route == "sessions":
        if method == "POST" and "hold" in payload:
            return {"held": emulator.hold_sessions(int(payload["hold"]))}
        if method == "POST" and "release" in payload:
            release = payload["release"]
            count = emulator.release_sessions(None if release == "all" else list(release))
            return {"released": count}
        return {"sessions": emulator.sessions}
    if (method, route) == ("POST", "change_tracking"):
        emulator.store.change_tracking = bool(payload["enabled"])
        return {"change_tracking": emulator.store.change_tracking}
    raise LookupError(f"no admin endpoint {method} /_admin/{route}")


def _mutate(emulator: EmulatorServer, payload: dict) -> dict:
    operations = payload.get("ops") or [payload]
    results = []
    block = emulator.store.clock.same_second() if payload.get("same_second") else nullcontext()
    with block:
        for operation in operations:
            results.append(_apply(emulator, dict(operation)))
    return {"results": results, "clock": emulator.store.clock.now_iso(), "global_stamp": emulator.store.global_stamp}


def _apply(emulator: EmulatorServer, operation: dict) -> dict:
    op = operation.pop("op", None)
    if op in ("advance_clock", "skew_clock"):
        seconds = float(operation["seconds"])
        (emulator.advance_clock if op == "advance_clock" else emulator.skew_clock)(seconds)
        return {"op": op, "clock": emulator.store.clock.now_iso()}
    if op not in ("update", "insert", "delete"):
        raise ValueError(f"unknown op {op!r}: use update, insert, delete, advance_clock or skew_clock")
    allowed = {"table", "count"} if op == "insert" else {"table", "percent", "count", "keys"}
    unknown = set(operation) - allowed
    if unknown:
        raise ValueError(f"unknown fields for {op}: {sorted(unknown)}")
    changes = getattr(emulator, op)(**operation)
    return {"op": op, **changes.to_dict()}
