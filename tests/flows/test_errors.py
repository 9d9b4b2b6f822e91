"""The one error model: every failure flows raises on purpose is a SyncError with an error class the run history
accepts; library failures are classified by what they wrap; one line is one line."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import psycopg2
import pytest

import flows
from extract.errors import AuthenticationFailed, BadRequest, SessionLimitReached, SourceUnavailable
from flows.errors import ErrorClass, SyncError, SyncFailed, error_class_of, is_expected, one_line
from flows.history import BOOKKEEPING_SQL
from flows.settings import ConfigError


def _flows_modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(flows.__path__, "flows.") if not m.name.endswith("__main__")]


def test_every_exception_flows_defines_is_a_sync_error() -> None:
    outside: list[str] = []
    for name in _flows_modules():
        module = importlib.import_module(name)
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and issubclass(cls, Exception) and not issubclass(cls, SyncError):
                outside.append(f"{name}.{cls_name}")
    assert outside == []


def test_the_history_accepts_exactly_the_error_classes() -> None:
    check = re.search(r"error_class in \(([^)]*)\)", BOOKKEEPING_SQL.read_text())
    assert check is not None
    assert set(re.findall(r"'([a-z_]+)'", check.group(1))) == {c.value for c in ErrorClass}


class StepFailed(Exception):
    """Like dlt's PipelineStepFailed: the cause is an attribute, not ``__cause__``."""

    def __init__(self, exception: BaseException) -> None:
        super().__init__("Pipeline execution failed at stage load\nwith a long story")
        self.exception = exception


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (SourceUnavailable("4D at http://x is unreachable"), ErrorClass.SOURCE_UNAVAILABLE),
        (StepFailed(AuthenticationFailed("4D refused the login")), ErrorClass.AUTHENTICATION),
        (StepFailed(SessionLimitReached("no licence left")), ErrorClass.SESSION_LIMIT),
        (StepFailed(psycopg2.OperationalError("server closed the connection")), ErrorClass.DATABASE),
        (ConfigError("PYERP_SYNC_TARGET_SCHEMA is not a name"), ErrorClass.CONFIGURATION),
        (SyncFailed("already_running", "another run"), ErrorClass.ALREADY_RUNNING),
        (BadRequest("unknown attribute"), ErrorClass.INTERNAL),  # our request was wrong: a bug, not 4D's state
        (RuntimeError("boom"), ErrorClass.INTERNAL),
    ],
)
def test_a_failure_is_classified_by_what_it_wraps(failure: BaseException, expected: ErrorClass) -> None:
    assert error_class_of(failure) is expected


def test_one_line_keeps_ours_and_names_a_librarys_innermost_cause() -> None:
    assert one_line(ConfigError("first line\nsecond line")) == "first line"
    wrapped = StepFailed(psycopg2.OperationalError("server closed the connection unexpectedly\n\tThis probably"))
    assert one_line(wrapped) == "OperationalError: server closed the connection unexpectedly"
    assert one_line(StepFailed(SourceUnavailable("4D is down"))) == "4D is down"
    assert one_line(RuntimeError()) == "RuntimeError"
    assert is_expected(SourceUnavailable("x")) and is_expected(ConfigError("x")) and not is_expected(KeyError("x"))


def test_an_unknown_error_class_is_refused() -> None:
    with pytest.raises(ValueError, match="not_a_class"):
        SyncFailed("not_a_class", "message")
