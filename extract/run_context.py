"""What the table extractions of one run share (``RunContext``) and what each reports (``TableStats``).

Its own module because both sides use it: ``pipeline.py`` builds the context and reads the figures, the resources
of ``source.py`` and the per-table extraction of ``table_run.py`` fill them in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from extract.client import LegacyClient
from extract.raw_store import RawStore

Progress = Callable[[str, int, "int | None"], None]


@dataclass
class TableStats:
    """Figures of one table in one run."""

    table: str
    resource: str
    strategy: str = ""
    full: bool = False
    rows_extracted: int = 0
    rows_deleted: int = 0
    pages: int = 0
    requests: int = 0
    drift: list[str] = field(default_factory=list)
    seconds: float = 0.0
    finished: bool = False


@dataclass
class RunContext:
    """What the resources of one run share: the client, the landed data, and what parents changed."""

    client: LegacyClient
    store: RawStore
    catalog: Mapping[str, Mapping[str, Any]]
    full: bool = False
    progress: Progress | None = None
    seen_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    stats: dict[str, TableStats] = field(default_factory=dict)
    # parent resource -> parent column -> text values of rows changed or deleted in this run
    changed_links: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    full_scanned: set[str] = field(default_factory=set)
    link_columns: dict[str, set[str]] = field(default_factory=dict)
