"""The sync's one error model: what went wrong (an ``ErrorClass``, as the run history records it) and one line saying
so (what the CLI prints). Kept free of heavy imports so the CLI can name failures without loading Prefect or dbt.

- Every failure the sync raises on purpose is a ``SyncError``; its class attribute ``error_class`` says which kind
  (``SyncFailed`` carries one per instance: a whole run's failure).
- A failure raised by a library, or by ``extract`` (which imports nothing of ``flows``), is classified by
  ``error_class_of``, the one place that maps them, through whatever wraps it (dlt's ``PipelineStepFailed``).
- ``one_line`` is the one formatter of a failure for a terminal, the history and an alert (``first_line``: the
  first line of a message as it is, for wrapping a library's failure in one of ours).
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

import psycopg2

from extract.errors import AuthenticationFailed, ExtractError, SessionLimitReached, SourceUnavailable


class ErrorClass(StrEnum):
    """Why a run failed, as ``pyerp_sync.runs.error_class`` records it (bookkeeping.sql checks the same list)."""

    SOURCE_UNAVAILABLE = "source_unavailable"
    AUTHENTICATION = "authentication"
    SESSION_LIMIT = "session_limit"
    DATA_TEST_FAILED = "data_test_failed"
    PUBLISH_FAILED = "publish_failed"
    ALREADY_RUNNING = "already_running"
    CONFIGURATION = "configuration"
    DATABASE = "database"
    INTERNAL = "internal"


class SyncError(Exception):
    """Base of every failure the sync raises on purpose. The message is one line, fit for a terminal, and never
    carries credentials; ``error_class`` is what the run history records when it ends a run."""

    error_class: ErrorClass = ErrorClass.INTERNAL


class SyncFailed(SyncError):
    """A whole run failed, for a reason it names (``error_class``); the message says which step and why."""

    def __init__(self, error_class: ErrorClass | str, message: str) -> None:
        super().__init__(message)
        self.error_class = ErrorClass(error_class)


# The failures of extract (a package of its own, which knows nothing of ours), by what they mean for a run.
_EXTRACT_CLASSES: tuple[tuple[type[ExtractError], ErrorClass], ...] = (
    (SourceUnavailable, ErrorClass.SOURCE_UNAVAILABLE),
    (AuthenticationFailed, ErrorClass.AUTHENTICATION),
    (SessionLimitReached, ErrorClass.SESSION_LIMIT),
)


def causes(exc: BaseException) -> Iterator[BaseException]:
    """A failure and what it wraps: ``__cause__``, or a library's own attribute (dlt's ``PipelineStepFailed``)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        wrapped = getattr(current, "exception", None)
        current = current.__cause__ or (wrapped if isinstance(wrapped, BaseException) else None)


def error_class_of(exc: BaseException) -> ErrorClass:
    """The run history's error class of a failure: ours say it; a wrapper is classified by what it wraps."""
    for cause in causes(exc):
        if isinstance(cause, SyncError):
            return cause.error_class
        for kind, error_class in _EXTRACT_CLASSES:
            if isinstance(cause, kind):
                return error_class
        if isinstance(cause, psycopg2.Error):
            return ErrorClass.DATABASE
    return ErrorClass.INTERNAL


def is_expected(exc: BaseException) -> bool:
    """A failure the sync or extract raised on purpose: its message is meant for a person, as it is."""
    return isinstance(exc, (SyncError, ExtractError))


def first_line(exc: BaseException) -> str:
    """The first non-blank line of a failure's message, or its type's name when it has none."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0] if lines else exc.__class__.__name__


def one_line(exc: BaseException) -> str:
    """A failure in one line: ours as they are; a library's by its innermost cause, with that cause's type."""
    if is_expected(exc):
        return first_line(exc)
    root = list(causes(exc))[-1]
    if is_expected(root):
        return first_line(root)
    text = first_line(root)
    name = root.__class__.__name__
    return text if text == name else f"{name}: {text}"
