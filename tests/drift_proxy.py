"""An HTTP proxy in front of the emulator that changes what 4D sends: schema drift, changed value types, a duplicated
entity, or business activity at a chosen request (real HTTP on both sides).

The emulator serves a fixed structure, so drift is simulated here: ``$catalog/$all`` and the pages of ``table``
gain ``NEW`` (``add_column``) or lose ``drop_column``; ``retype`` changes an attribute's catalog type; ``transforms``
rewrite every value of an attribute and ``values`` single values; ``duplicate`` sends an entity twice in its page;
``on_request(n, path, query)`` runs before the n-th /rest request is forwarded (e.g. to change 4D's rows while the
client pages); ``log`` keeps each /rest request as sent (raw query) with the keys of the page it got back. Used by
tests/extract/test_drift.py and the fault tests.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, unquote

import orjson

from emulator import EmulatorServer

NEW = "Lagerplatz_neu"


class DriftProxy:
    def __init__(self, upstream: EmulatorServer, table: str = "Formen") -> None:
        self.upstream = upstream
        self.table = table
        self.add_column = False
        self.drop_column: str | None = None
        self.retype: dict[tuple[str, str], str] = {}  # (table, attribute) -> the catalog type 4D now declares
        self.transforms: dict[tuple[str, str], Callable[[Any], Any]] = {}  # (table, attribute) -> new value
        self.values: dict[tuple[str, str, str], Any] = {}  # (table, __KEY, attribute) -> the value sent instead
        self.duplicate: set[tuple[str, str]] = set()  # (table, __KEY): sent twice in its page
        self.on_request: Callable[[int, str, str], None] | None = None
        self.requests = 0
        self.log: list[tuple[str, str, list[str]]] = []  # per /rest GET: path, raw query, __KEYs of the page sent
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                if path == f"/rest/{proxy.table}" and query:
                    parts = []
                    for part in query.split("&"):
                        name, _, value = part.partition("=")
                        if name == "$attributes":
                            kept = [a for a in unquote(value).split(",") if a not in (NEW, proxy.drop_column)]
                            value = quote(",".join(kept), safe=",")
                        parts.append(f"{name}={value}")
                    query = "&".join(parts)
                if path.startswith("/rest"):
                    with proxy.lock:
                        proxy.requests += 1
                        count = proxy.requests
                    if proxy.on_request is not None:
                        proxy.on_request(count, path, unquote(query))
                connection = http.client.HTTPConnection(proxy.upstream.host, proxy.upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                connection.request("GET", path + ("?" + query if query else ""), headers=headers)
                answer = connection.getresponse()
                body = answer.read()
                sent: list[str] = []
                if answer.status == 200:
                    body, sent = proxy.rewrite(path, body)
                if path.startswith("/rest"):
                    with proxy.lock:
                        proxy.log.append((path, query, sent))
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                connection.close()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def rewrite(self, path: str, body: bytes) -> tuple[bytes, list[str]]:
        """The body as the client gets it, and the ``__KEY`` of each entity in it (a page; [] otherwise)."""
        if path == "/rest/$catalog/$all":
            data = orjson.loads(body)
            for dataclass in data["dataClasses"]:
                for attribute in dataclass["attributes"]:
                    attribute["type"] = self.retype.get((dataclass["name"], attribute["name"]), attribute.get("type"))
                if dataclass["name"] == self.table:
                    if self.add_column:
                        dataclass["attributes"].append({"name": NEW, "kind": "storage", "type": "string"})
                    dataclass["attributes"] = [a for a in dataclass["attributes"] if a["name"] != self.drop_column]
            return orjson.dumps(data), []
        table = path.removeprefix("/rest/")
        if "/" in table or "(" in table or table.startswith("$"):
            return body, []
        data = orjson.loads(body)
        if "__ENTITIES" not in data:
            return body, []
        entities = []
        for entity in data["__ENTITIES"]:
            if table == self.table:
                if self.add_column:
                    entity[NEW] = f"LP-{entity['__KEY'][:6]}"
                entity.pop(self.drop_column or "", None)
            for (where, attribute), transform in self.transforms.items():
                if where == table and attribute in entity:
                    entity[attribute] = transform(entity[attribute])
            for (where, key, attribute), value in self.values.items():
                if where == table and key == entity["__KEY"] and attribute in entity:
                    entity[attribute] = value
            entities.append(entity)
            if (table, entity["__KEY"]) in self.duplicate:
                entities.append(dict(entity))
        data["__ENTITIES"] = entities
        return orjson.dumps(data), [entity["__KEY"] for entity in entities]


@contextmanager
def running(proxy: DriftProxy) -> Iterator[DriftProxy]:
    """Serve the proxy in a background thread for the duration of the block."""
    thread = threading.Thread(target=proxy.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.httpd.shutdown()
        proxy.httpd.server_close()
