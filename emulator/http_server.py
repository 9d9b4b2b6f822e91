"""The HTTP side of the emulator: a threaded server on a real socket and its request handler.

The handler routes ``/_admin`` (``admin.py``) and ``/rest`` (``rest.py``), applies the wire faults of
``Faults.decide()`` to ``/rest`` requests (no answer, an error status, a delay, a connection cut mid-body), writes
each ``Response`` (a collection page chunked, as it is streamed) and records every ``/rest`` request in the
emulator's log. The server tracks its open connections so that ``EmulatorServer.stop()`` can cut them: clients see
the server die. Kept apart from ``server.py``, the ``EmulatorServer`` that tests and the CLI drive.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from emulator.admin import handle_admin
from emulator.errors import RestError
from emulator.responses import Response, error_response, json_response

if TYPE_CHECKING:  # a type only: server.py imports this module to serve its EmulatorServer
    from emulator.server import EmulatorServer

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


class EmulatorHTTPServer(ThreadingHTTPServer):
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


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "4D/20 (pyerp-sync emulator)"
    timeout = 120  # idle keep-alive connections are closed after this
    server: EmulatorHTTPServer

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
