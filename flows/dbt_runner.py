"""dbt, run in-process with the environment prepared (``dbtRunner``: ~2 s once, then ~0.3 s per call)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping

from flows.database import SESSION_OPTIONS
from flows.settings import DBT_PROJECT_DIR


@contextlib.contextmanager
def dbt_environment(env: Mapping[str, str]) -> Iterator[None]:
    """Export the connection variables profiles.yml reads and work from the dbt project, then restore."""
    saved = {key: os.environ.get(key) for key in env}
    cwd = os.getcwd()
    os.environ.update(env)
    os.chdir(DBT_PROJECT_DIR)
    try:
        yield
    finally:
        os.chdir(cwd)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def invoke_dbt(args: list[str], env: Mapping[str, str]):
    """Run one dbt command in this process and return dbt's ``dbtRunnerResult``."""
    from dbt.cli.main import dbtRunner

    with dbt_environment({"PGOPTIONS": SESSION_OPTIONS, **env}):
        return dbtRunner().invoke(list(args))
