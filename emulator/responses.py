"""What a request handler answers: a ``Response`` (a body, or a page streamed in chunks), as JSON or a 4D error.

Shared by the HTTP server (``server.py``, which writes them and answers ``/_admin`` and unknown paths) and the two
halves of the ``/rest`` protocol (``rest.py``, ``data_requests.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson

from emulator.errors import RestError


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    stream: Iterator[bytes] | None = None  # a collection page, written in chunks
    rows_sent: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(value, status: int = 200) -> Response:
    return Response(status=status, body=orjson.dumps(value))


def error_response(error: RestError) -> Response:
    response = json_response(error.body(), error.status)
    if error.status == 401:
        response.headers += [("4D-CREDENTIALS", "1.0"), ("WWW-Authenticate", "")]
    return response
