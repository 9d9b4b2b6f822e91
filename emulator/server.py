"""``EmulatorServer``: the 4D REST emulator on a real HTTP socket (``http.server.ThreadingHTTPServer``).

Use it as a context manager in tests (a background thread), or ``serve_forever()`` from the command line.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote_plus

from emulator.admin import handle_admin
from emulator.dataset import generate_dataset
from emulator.defects import DefectRates
from emulator.errors import RestError
from emulator.faults import Faults
from emulator.keys import uuid_key_tables
from emulator.mutations import Changes, Mutations
from emulator.rest import Response, RestApi, error_response, json_response
from emulator.sessions import SessionRegistry
from emulator.store import Store

log = logging.getLogger("emulator")


@dataclass(frozen=True)
class RequestRecord:
    """One ``/rest`` request as the emulator saw it."""

    method: str
    path: str
    query: str  # URL-decoded query string
    status: int  # 0: the connection was closed without an answer
    rows_sent: int
    session_id: str | None
    session_opened: bool
    dropped: bool  # the connection was cut mid-body
    duration_ms: float


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, emulator: EmulatorServer) -> None:
        self.emulator = emulator
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self.connections_lock:
            for connection in list(self.connections):
                with suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "4D/20 (pyerp-sync emulator)"
    timeout = 120  # idle keep-alive connections are closed after this
    server: _HTTPServer

    def log_message(self, format: str, *args) -> None:  # http.server writes to stderr otherwise
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        started = time.perf_counter()
        emulator = self.server.emulator
        raw_path, _, raw_query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            if raw_path.startswith("/_admin"):
                status, payload = handle_admin(emulator, method, raw_path, body)
                self._write(json_response(payload, status))
            elif raw_path == "/rest" or raw_path.startswith("/rest/"):
                self._rest(emulator, method, raw_path, raw_query, started)
            else:
                self._write(error_response(RestError(404, (1806, f"No resource at {raw_path}"))))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # never a traceback to the client: log it, answer a 4D error
            log.exception("emulator failed on %s %s", method, self.path)
            self.close_connection = True
            with suppress(OSError):
                self._write(error_response(RestError(500, (1000, "Internal error of the emulator"))))

    def _rest(self, emulator: EmulatorServer, method: str, raw_path: str, raw_query: str, started: float) -> None:
        fate = emulator.faults.decide()
        query = unquote_plus(raw_query)
        if fate == "silent":
            self._cut()
            emulator.record(RequestRecord(method, raw_path, query, 0, 0, None, False, True, 0.0))
            return
        delay = emulator.faults.delay()
        if delay:
            time.sleep(delay)
        if fate == "error":
            status = emulator.faults.error_status
            response = error_response(RestError(status, (1000, f"Service unavailable (HTTP {status})")))
            session_id, opened = None, False
        else:
            outcome = emulator.api.handle(method, raw_path, raw_query, self.headers)
            response, session_id, opened = outcome.response, outcome.session_id, outcome.session_opened
        dropped = fate == "drop"
        self._write(response, cut_midway=dropped)
        elapsed = (time.perf_counter() - started) * 1000
        emulator.record(RequestRecord(method, raw_path, query, response.status, response.rows_sent, session_id,
                                      opened, dropped, round(elapsed, 3)))  # fmt: skip

    def _cut(self) -> None:
        self.close_connection = True
        with suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _write(self, response: Response, cut_midway: bool = False) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("4DREST-INFO", "1.0")
        for name, value in response.headers:
            self.send_header(name, value)
        if response.stream is None:
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if cut_midway:
                self.wfile.write(response.body[: max(1, len(response.body) // 2)])
                self.wfile.flush()
                self._cut()
                return
            self.wfile.write(response.body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for chunk in response.stream:
            if cut_midway:
                self.wfile.write(b"%X\r\n" % len(chunk) + chunk[: max(1, len(chunk) // 2)])
                self.wfile.flush()
                self._cut()
                return
            self.wfile.write(b"%X\r\n%b\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")


class EmulatorServer(AbstractContextManager):
    """A 4D REST server with a generated legacy dataset. ``with EmulatorServer(scale=0.01) as server: ...``"""

    def __init__(
        self,
        scale: float = 0.01,
        seed: int = 42,
        port: int = 0,
        host: str = "127.0.0.1",
        max_sessions: int = 3,
        change_tracking: bool = False,
        credentials: tuple[str, str] | None = None,
        defect_rates: dict[str, float] | DefectRates | None = None,
        session_idle_timeout: float = 3600.0,
        app_name: str = "WSZ-DB",
        uuid_keys: Iterable[str] | str = (),
    ) -> None:
        rates = defect_rates if isinstance(defect_rates, DefectRates) else DefectRates.from_mapping(defect_rates)
        chosen = uuid_key_tables(uuid_keys)
        self.store = Store(generate_dataset(seed, scale, rates, uuid_keys=chosen), change_tracking)
        self.mutations = Mutations(self.store)
        self.faults = Faults(seed=seed)
        self.session_registry = SessionRegistry(max_sessions, session_idle_timeout, seed)
        self.api = RestApi(self.store, self.session_registry, self.faults, credentials, app_name)
        self.request_log: list[RequestRecord] = []
        self.host = host
        self._port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._httpd.server_address[1] if self._httpd else self._port

    @property
    def base_url(self) -> str:
        """The part before ``/rest``, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{self.host}:{self.port}"

    def _bind(self) -> _HTTPServer:
        if self._httpd is None:
            self._httpd = _HTTPServer((self.host, self._port), _Handler, self)
        return self._httpd

    def start(self) -> EmulatorServer:
        """Listen and serve in a background thread."""
        httpd = self._bind()
        self._thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), name="4d-emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Listen and serve in this thread until ``stop()`` (or KeyboardInterrupt)."""
        self._bind().serve_forever()

    def stop(self) -> None:
        """Stop listening and cut open connections: clients see the server die."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._port = httpd.server_address[1]
        if self._thread is not None:
            httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        httpd.close_connections()
        httpd.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- inspection --------------------------------------------------------------------------------------------

    def record(self, record: RequestRecord) -> None:
        self.request_log.append(record)

    @property
    def manifest(self) -> list[dict[str, str]]:
        return self.store.manifest

    @property
    def sessions(self) -> list[str]:
        """Ids of the live sessions."""
        return [session.id for session in self.session_registry.live()]

    @property
    def sessions_opened(self) -> int:
        return sum(record.session_opened for record in self.request_log)

    @property
    def change_tracking(self) -> bool:
        return self.store.change_tracking

    @change_tracking.setter
    def change_tracking(self, enabled: bool) -> None:
        self.store.change_tracking = enabled

    def rows(self, table: str) -> Iterator[dict]:
        """A table's current rows exactly as the REST API serves them, in primary-key order."""
        return self.store.rows(table)

    def row_count(self) -> int:
        return sum(len(data.rows) for data in self.store.tables.values())

    def status(self) -> dict:
        return {
            "tables": {name: len(data.rows) for name, data in self.store.tables.items()},
            "clock": self.store.clock.now_iso(),
            "global_stamp": self.store.global_stamp,
            "change_tracking": self.store.change_tracking,
            "sessions": self.sessions,
            "seed": self.store.seed,
            "scale": self.store.scale,
            "uuid_keys": sorted(self.store.uuid_keys),
        }

    # --- sessions held by "another client" ---------------------------------------------------------------------

    def hold_sessions(self, count: int) -> list[str]:
        """Take ``count`` licences as another client would (402 for ours once all are gone)."""
        return [self.session_registry.open("other", holder="other-client").id for _ in range(count)]

    def release_sessions(self, session_ids: list[str] | None = None) -> int:
        """Close the given sessions, or every session another client holds."""
        if session_ids is None:
            return self.session_registry.close_all(holder="other-client")
        return sum(self.session_registry.close(session_id) for session_id in session_ids)

    # --- business activity -------------------------------------------------------------------------------------

    def update(self, table: str, percent: float | None = None, count: int | None = None,
               keys: list[str] | None = None) -> Changes:  # fmt: skip
        return self.mutations.update(table, percent=percent, count=count, keys=keys)

    def insert(self, table: str, count: int = 1) -> Changes:
        return self.mutations.insert(table, count=count)

    def delete(self, table: str, percent: float | None = None, count: int | None = None,
               keys: list[str] | None = None) -> Changes:  # fmt: skip
        return self.mutations.delete(table, percent=percent, count=count, keys=keys)

    def same_second(self):
        """``with server.same_second(): ...``: every change inside gets the same instant."""
        return self.store.clock.same_second()

    def advance_clock(self, seconds: float) -> None:
        self.store.clock.advance(seconds)

    def skew_clock(self, seconds: float) -> None:
        self.store.clock.skew(seconds)
