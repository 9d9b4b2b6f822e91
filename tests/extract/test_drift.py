"""Schema drift between runs: a 4D column appears or vanishes. The emulator serves a fixed structure, so a small
HTTP proxy in front of it changes what ``$catalog`` and ``Formen`` pages show (real HTTP on both sides)."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

import orjson
import pytest

from emulator import EmulatorServer
from tests.extract.conftest import Extractor

NEW = "Lagerplatz_neu"


class DriftProxy:
    def __init__(self, upstream: EmulatorServer) -> None:
        self.upstream = upstream
        self.add_column = False
        self.drop_column: str | None = None
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                if path == "/rest/Formen" and query:
                    parts = []
                    for part in query.split("&"):
                        name, _, value = part.partition("=")
                        if name == "$attributes":
                            kept = [a for a in unquote(value).split(",") if a not in (NEW, proxy.drop_column)]
                            value = quote(",".join(kept), safe=",")
                        parts.append(f"{name}={value}")
                    query = "&".join(parts)
                connection = http.client.HTTPConnection(proxy.upstream.host, proxy.upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                connection.request("GET", path + ("?" + query if query else ""), headers=headers)
                answer = connection.getresponse()
                body = answer.read()
                if answer.status == 200:
                    body = proxy.rewrite(path, body)
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

    def rewrite(self, path: str, body: bytes) -> bytes:
        if path == "/rest/$catalog/$all":
            data = orjson.loads(body)
            for dataclass in data["dataClasses"]:
                if dataclass["name"] == "Formen":
                    if self.add_column:
                        dataclass["attributes"].append({"name": NEW, "kind": "storage", "type": "string"})
                    dataclass["attributes"] = [a for a in dataclass["attributes"] if a["name"] != self.drop_column]
            return orjson.dumps(data)
        if path == "/rest/Formen":
            data = orjson.loads(body)
            for entity in data.get("__ENTITIES", []):
                if self.add_column:
                    entity[NEW] = f"LP-{entity['__KEY'][:6]}"
                entity.pop(self.drop_column or "", None)
            return orjson.dumps(data)
        return body


@pytest.fixture
def proxy(emulator: EmulatorServer) -> Iterator[DriftProxy]:
    proxy = DriftProxy(emulator)
    thread = threading.Thread(target=proxy.httpd.serve_forever, daemon=True)
    thread.start()
    yield proxy
    proxy.httpd.shutdown()
    proxy.httpd.server_close()


def test_a_new_column_lands_and_a_vanished_one_is_reported(proxy: DriftProxy, make_extractor) -> None:
    extractor: Extractor = make_extractor(proxy.upstream)
    extractor.base_url = proxy.base_url
    assert not extractor.run(tables=["Formen"]).tables["Formen"].drift

    proxy.add_column = True
    second = extractor.run(tables=["Formen"]).tables["Formen"]
    assert second.full and any(NEW in d and "new since the last run" in d for d in second.drift)
    rows = extractor.raw_rows("formen")
    assert rows and all(row[NEW] == f"LP-{row['__KEY'][:6]}" for row in rows)  # every row, not only changed ones

    third = extractor.run(tables=["Formen"]).tables["Formen"]
    assert not third.full and third.rows_extracted == 0
    assert any(NEW in d and "not in the registry" in d for d in third.drift)

    proxy.drop_column = "Bemerkung"
    proxy.upstream.update("Formen", count=1)
    fourth = extractor.run(tables=["Formen"]).tables["Formen"]
    assert fourth.rows_extracted == 1 and any("Bemerkung" in d for d in fourth.drift)
    assert "Bemerkung" in extractor.raw_rows("formen")[0]  # the raw column stays (nullable)
