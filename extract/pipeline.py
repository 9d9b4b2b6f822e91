"""``run_extract``: one extract run from a 4D server into ``legacy_raw`` (dlt pipeline ``legacy_4d``).

Everything comes in as parameters (this package reads no settings): the 4D base URL and optional credentials, the
session-cookie file, dlt's destination credentials (``ConnectionParts.dlt_credentials()``), dlt's data folder
(the pipeline lives in ``<dlt_dir>/pipelines/legacy_4d``, where ``dlt pipeline legacy_4d …`` finds it when
``DLT_DATA_DIR=<dlt_dir>``), the tables, the full flag and a progress callback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
from dlt.pipeline.exceptions import PipelineStepFailed

from extract.client import LegacyClient, RetryPolicy
from extract.errors import ExtractError
from extract.landing import raw_destination
from extract.raw_store import RAW_SCHEMA, RawStore
from extract.run_context import RunContext, TableStats
from extract.source import legacy_4d_source
from extract.tables import TABLES, TABLES_BY_RESOURCE, Table, table_for_endpoint

log = logging.getLogger(__name__)

PIPELINE_NAME = "legacy_4d"

# dlt settings of the fast path, scoped to the run (dlt.config.values), never written to a config file:
# - resources run one after the other in registry order, so a parent is finished before its children start;
# - Arrow items get dlt's _dlt_load_id and _dlt_id (dlt adds them to JSON items only, by default);
# - the CSV files stay uncompressed: they are written and COPYed on the same machine.
DLT_RUN_CONFIG: dict[str, Any] = {
    "extract.next_item_mode": "fifo",
    "normalize.parquet_normalizer.add_dlt_load_id": True,
    "normalize.parquet_normalizer.add_dlt_id": True,
    "data_writer.disable_compression": True,
}


@dataclass
class ExtractResult:
    """The figures of one run, per table (keyed by 4D name, in registry order)."""

    tables: dict[str, TableStats]
    load_id: str | None
    sessions_established: int  # session cookies 4D issued in this run; 0 when the stored session was reused
    session_reused: bool
    requests: int
    seconds: float
    drift: list[str] = field(default_factory=list)

    @property
    def rows_extracted(self) -> int:
        return sum(t.rows_extracted for t in self.tables.values())

    @property
    def rows_deleted(self) -> int:
        return sum(t.rows_deleted for t in self.tables.values())


def resolve_tables(names: Sequence[str] | None) -> tuple[Table, ...]:
    """Registry entries for 4D table names (all when empty), with the parents of ``children_of`` tables added.

    A child table is extracted for the parents that changed in the same run, so its parent always comes along.
    Raises ``KeyError`` with the list of known names for an unknown one.
    """
    if not names:
        return TABLES
    wanted = {table_for_endpoint(name).resource for name in names}
    changed = True
    while changed:
        parents = {TABLES_BY_RESOURCE[r].parent for r in wanted if TABLES_BY_RESOURCE[r].parent}
        changed = not parents <= wanted
        wanted |= {p for p in parents if p}
    return tuple(table for table in TABLES if table.resource in wanted)


def _typed_cause(exc: BaseException) -> ExtractError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ExtractError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def make_pipeline(destination_credentials: Mapping[str, Any], dlt_dir: Path) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        destination=raw_destination(dict(destination_credentials)),
        dataset_name=RAW_SCHEMA,
        pipelines_dir=str(Path(dlt_dir) / "pipelines"),
    )


def run_extract(
    base_url: str,
    *,
    destination_credentials: Mapping[str, Any],
    dlt_dir: Path,
    session_file: Path,
    username: str | None = None,
    password: str | None = None,
    tables: Sequence[str] | None = None,
    full: bool = False,
    progress: Callable[[str, int, int | None], None] | None = None,
    retry_policy: RetryPolicy | None = None,
) -> ExtractResult:
    """Extract the given 4D tables (all when empty) into ``legacy_raw``; raise an ``ExtractError`` on failure."""
    started = time.monotonic()
    selected = resolve_tables(tables)
    pipeline = make_pipeline(destination_credentials, dlt_dir)
    with dlt.config.values(DLT_RUN_CONFIG):
        if pipeline.has_pending_data:  # a previous run died after extracting: finish its load first
            log.warning("loading the package a previous run left pending")
            pipeline.run()
    with LegacyClient(base_url, session_file, username=username, password=password, policy=retry_policy) as client:
        catalog = client.catalog()
        with RawStore(destination_credentials) as store:
            ctx = RunContext(client=client, store=store, catalog=catalog, full=full, progress=progress)
            source = legacy_4d_source(ctx, selected)
            try:
                with dlt.config.values(DLT_RUN_CONFIG):
                    info = pipeline.run(source, loader_file_format="csv")
            except PipelineStepFailed as exc:
                typed = _typed_cause(exc)
                if typed is not None:
                    raise typed from None
                raise
        result = ExtractResult(
            tables={stats.table: stats for stats in ctx.stats.values()},
            load_id=info.loads_ids[-1] if info.loads_ids else None,
            sessions_established=client.sessions_established,
            session_reused=client.session_reused,
            requests=sum(client.requests_by_label.values()),
            seconds=time.monotonic() - started,
        )
    result.drift = [f"{t.table}: {d}" for t in result.tables.values() for d in t.drift]
    return result
