"""``EmulatorServer``: the 4D REST emulator on a real HTTP socket (``http.server.ThreadingHTTPServer``).

Use it as a context manager in tests (a background thread), or ``serve_forever()`` from the command line. It owns
the store, the sessions, the faults and the request log; the HTTP handler lives in ``http_server.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager

from emulator.dataset import generate_dataset
from emulator.defects import DefectRates
from emulator.faults import Faults
from emulator.http_server import EmulatorHTTPServer, RequestHandler, RequestRecord
from emulator.keys import uuid_key_tables
from emulator.mutations import Changes, Mutations
from emulator.rest import RestApi
from emulator.sessions import SessionRegistry
from emulator.store import Store


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
        self._httpd: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._httpd.server_address[1] if self._httpd else self._port

    @property
    def base_url(self) -> str:
        """The part before ``/rest``, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{self.host}:{self.port}"

    def _bind(self) -> EmulatorHTTPServer:
        if self._httpd is None:
            self._httpd = EmulatorHTTPServer((self.host, self._port), RequestHandler, self)
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
