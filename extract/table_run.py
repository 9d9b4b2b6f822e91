"""The extraction of one table in one run (``TableRun``): what changed in 4D since the last run, and what was deleted.

A run decides at run time how to read its table (``catalog.plan_table``), reads it from 4D page by page in key
order, drops rows whose ``__STAMP`` is already landed, and yields Arrow tables; rows 4D deleted are yielded too,
their landed content read back from ``legacy_raw`` with ``_is_deleted`` true. ``source.py`` wraps each run in a dlt
resource.

Strategies (the registry declares one; a table the server tracks always uses ``global_stamp``):

- ``global_stamp``: rows with ``__GlobalStamp >= S`` (S = the envelope stamp of the previous run's first request,
  the next stamp 4D assigns), deletions from ``__DeletedRecords`` with ``__Stamp >= S``.
- ``modified_date``: rows with ``modified_date >= D - overlap`` (D = the largest date the previous runs saw in the
  data, never the local clock; dates are day-granular, and the server answers 500 to ``>`` on dates).
- ``children_of``: the children of the parents this run found changed (a child change touches its parent), in
  batched ``IN`` filters; landed children of those parents that 4D no longer returns are deleted.
- ``full``: the whole table; deletions by key-set comparison.

Every incremental run ends with a count check: the server's row count against the landed count this run will
leave. Only when they differ is the key set fetched (keys only, large pages) to find deletions or rows an
incremental filter cannot see. Cost of an incremental run: the pages holding changes plus a small constant.

One class of about 250 lines on purpose: the strategies, the deletion checks and the saved cursor share the run's
bookkeeping (keys yielded, keys deleted, rows new), which must stay consistent across them.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import pyarrow as pa

from extract.catalog import DELETED_RECORDS, TablePlan, plan_table
from extract.errors import BadRequest, ExtractStateError
from extract.filters import Eq, Filter, Ge, all_of, batched_in
from extract.records import (
    DELETED_AT,
    GLOBAL_STAMP,
    IS_DELETED,
    KEY,
    STAMP,
    arrow_schema,
    deleted_table,
    entities_table,
    parse_legacy_date,
    render_text,
)
from extract.run_context import RunContext, TableStats
from extract.tables import Table

log = logging.getLogger(__name__)

KEYSET_PAGE_SIZE = 50_000
DB_BATCH = 10_000
# modified_date is day-granular: a row changed later on day D (the cursor) must be read again, so an incremental
# run reads from the day before D; rows whose __STAMP is already landed are dropped, so the overlap costs no load.
MODIFIED_DATE_OVERLAP = timedelta(days=1)
NUMERIC_TYPES = frozenset({"long", "word", "long64", "number", "float", "byte", "integer", "duration"})
_WHOLE_NUMBER = re.compile(r"^-?[0-9]+$")


def _typed(text: str, catalog_type: str | None) -> Any:
    """A landed text value back to the JSON type a 4D filter needs: a number only where the server's catalog says
    the attribute is numeric (``AbsNr IN [1,2]``); otherwise — a text or UUID key (``AbsNr IN ['7464FE…']``), an
    unknown type, or a value of a numeric attribute that is no number — the text as landed, which the filter quotes
    and escapes. Keys are never read as numbers on a guess, and whole numbers stay exact (a long64 key above 2^53)."""
    if catalog_type in NUMERIC_TYPES:
        if _WHOLE_NUMBER.match(text):
            return int(text)
        try:
            number = float(text)
        except ValueError:
            return text
        return number if number == number and abs(number) != float("inf") else text
    return text


class TableRun:
    """Extraction of one table in one run; ``rows()`` is the dlt resource's generator body."""

    def __init__(self, ctx: RunContext, table: Table, state: dict[str, Any]) -> None:
        entry = ctx.catalog.get(table.endpoint)
        if entry is None:
            raise BadRequest(f"4D does not expose the table {table.endpoint} (not in $catalog)")
        self.ctx, self.table, self.state = ctx, table, state
        self.plan: TablePlan = plan_table(table, entry, state.get("attributes"))
        self.remote = self.plan.remote
        self.tracked = self.remote.tracked
        self.attributes = self.plan.attributes
        self.request_attributes = (*self.attributes, GLOBAL_STAMP) if self.tracked else self.attributes
        # Declared attributes 4D no longer sends: a row landed now keeps the value landed before (the column went
        # away from the REST API, the value did not go away from the ERP: pyERP must not be blanked by drift).
        landed = ctx.store.columns(table.resource) or set()
        self.vanished = tuple(n for n in table.columns if n not in self.remote.attribute_types and n in landed)
        self.landed_attributes = (*self.attributes, *self.vanished)
        schema = arrow_schema(self.landed_attributes, self.tracked)
        self.landed_columns = [c for c in schema.names if c not in (IS_DELETED, DELETED_AT)]
        self.stats = ctx.stats.setdefault(table.resource, TableStats(table=table.endpoint, resource=table.resource))
        self.stats.strategy = self.plan.strategy
        self.stats.drift = list(self.plan.drift)
        self.yielded: set[str] = set()
        self.deleted: set[str] = set()
        self.new_rows = 0
        self.rows_seen = 0
        self.first_global_stamp: int | None = None
        self.max_modified: date | None = None
        self.link_columns = sorted(ctx.link_columns.get(table.resource, ()))

    # --- the generator ----------------------------------------------------------------------------------------

    def rows(self) -> Iterator[pa.Table]:
        started = time.monotonic()
        client = self.ctx.client.labelled(self.table.endpoint)
        try:
            full = self._needs_full_scan()
            self.stats.full = full
            for warning in self.plan.drift:
                log.warning("%s: %s", self.table.endpoint, warning)
            if full:
                self.ctx.full_scanned.add(self.table.resource)
                yield from self._full_scan(reland=self.ctx.full or bool(self.plan.new_attributes))
            else:
                self.live_before = self.ctx.store.live_count(self.table.resource)
                if self.plan.strategy == "global_stamp":
                    yield from self._since_global_stamp(int(self.state["cursor"]))
                elif self.plan.strategy == "modified_date":
                    yield from self._since_modified_date(date.fromisoformat(self.state["cursor"]))
                elif self.plan.strategy == "children_of":
                    yield from self._children_of_changed_parents()
                yield from self._reconcile()
            self._save_state()
            self.stats.finished = True
        finally:
            self.stats.seconds += time.monotonic() - started
            self.stats.requests = client.requests_by_label[self.table.endpoint]

    def _needs_full_scan(self) -> bool:
        state, strategy = self.state, self.plan.strategy
        if self.ctx.full or strategy == "full" or self.plan.new_attributes:
            return True
        if state.get("strategy") != strategy or not state.get("extracted"):
            return True
        if not self.ctx.store.exists(self.table.resource):
            return True
        if strategy in ("global_stamp", "modified_date") and state.get("cursor") is None:
            return True
        if strategy == "children_of":
            parent = self.table.parent
            if parent not in self.ctx.stats or not self.ctx.stats[parent].finished:
                raise ExtractStateError(f"{self.table.endpoint} was extracted before its parent {parent}")
            return parent in self.ctx.full_scanned
        return False

    # --- reading pages ----------------------------------------------------------------------------------------

    def _pages(
        self,
        filter: Filter | None,
        *,
        landed: Mapping[str, Any] | None,
        seen: set[str] | None = None,
    ) -> Iterator[pa.Table]:
        """Read a selection; yield the rows that are new or changed against ``landed`` (None: every row).

        ``landed`` is ``__KEY -> __STAMP`` of the live raw rows; when it is the empty dict the lookup is done per
        page (incremental runs), so only the keys of that page are read from the database.
        """
        total: int | None = None
        per_page_lookup = landed is not None and not landed
        for page in self.ctx.client.pages(
            self.table.endpoint,
            key_attribute=self.remote.key_attribute,
            attributes=self.request_attributes,
            filter=filter,
            page_size=self.table.page_size,
        ):
            if self.first_global_stamp is None and page.global_stamp is not None:
                self.first_global_stamp = page.global_stamp
            if total is None:
                total = page.count
            self.stats.pages += 1
            entities = page.entities
            repeated = len(entities) - len({e[KEY] for e in entities})
            if repeated:
                log.warning("%s: 4D sent %d key(s) twice in one page; each lands once", self.table.endpoint, repeated)
            self.rows_seen += len(entities)
            self._observe(entities)
            keys = [e[KEY] for e in entities]
            if seen is not None:
                seen.update(keys)
            if landed is None:
                current: Mapping[str, Any] = {}
                changed: Sequence[Mapping[str, Any]] = entities
            else:
                current = self.ctx.store.live_stamps(self.table.resource, keys) if per_page_lookup else landed
                changed = [e for e in entities if e[KEY] not in current or current[e[KEY]] != e.get(STAMP)]
            changed = self._first_of_each_key(changed)
            if changed:
                self.new_rows += sum(1 for e in changed if e[KEY] not in current)
                self._record_links(changed)
                self.stats.rows_extracted += len(changed)
                yield entities_table(self._with_vanished(changed), self.landed_attributes, self.tracked)
            if self.ctx.progress is not None:
                self.ctx.progress(self.table.endpoint, self.rows_seen, total if filter is None else None)

    def _first_of_each_key(self, entities: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The entities whose key this run has not yielded yet, each key once: 4D sending a key twice (in one page
        or across pages) must not land two rows for it (a first load appends with COPY; the raw key is unique)."""
        fresh = []
        for entity in entities:
            if entity[KEY] not in self.yielded:
                self.yielded.add(entity[KEY])
                fresh.append(entity)
        return fresh

    def _with_vanished(self, entities: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
        """The entities with the landed values of the vanished attributes (none for a row not landed yet)."""
        if not self.vanished:
            return entities
        landed = self.ctx.store.live_rows(self.table.resource, [e[KEY] for e in entities], [KEY, *self.vanished])
        kept = {row[KEY]: row for row in landed}
        return [{**e, **{n: kept.get(e[KEY], {}).get(n) for n in self.vanished}} for e in entities]

    def _observe(self, entities: Sequence[Mapping[str, Any]]) -> None:
        if self.plan.strategy != "modified_date":
            return
        for entity in entities:
            day = parse_legacy_date(entity.get("modified_date"))
            if day is not None and (self.max_modified is None or day > self.max_modified):
                self.max_modified = day

    def _record_links(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if not self.link_columns:
            return
        links = self.ctx.changed_links.setdefault(self.table.resource, {})
        for column in self.link_columns:
            values = links.setdefault(column, set())
            values.update(v for v in (render_text(row.get(column)) for row in rows) if v is not None)

    def _deleted(self, keys: set[str]) -> Iterator[pa.Table]:
        """Re-emit the landed rows of ``keys`` with the deletion marker (only rows still live in raw)."""
        candidates = sorted(keys - self.yielded - self.deleted)
        for start in range(0, len(candidates), DB_BATCH):
            batch = candidates[start : start + DB_BATCH]
            rows = self.ctx.store.live_rows(self.table.resource, batch, self.landed_columns)
            if not rows:
                continue
            self.deleted.update(row[KEY] for row in rows)
            self._record_links(rows)
            self.stats.rows_deleted += len(rows)
            yield deleted_table(rows, self.landed_attributes, self.tracked, self.ctx.seen_at)

    # --- strategies -------------------------------------------------------------------------------------------

    def _full_scan(self, *, reland: bool) -> Iterator[pa.Table]:
        landed = self.ctx.store.live_stamps(self.table.resource)
        seen: set[str] = set()
        yield from self._pages(None, landed=None if reland or not landed else landed, seen=seen)
        yield from self._deleted(set(landed) - seen)

    def _since_global_stamp(self, since: int) -> Iterator[pa.Table]:
        yield from self._pages(Ge(GLOBAL_STAMP, since), landed={})
        if DELETED_RECORDS not in self.ctx.catalog:
            return
        deleted_key = self.ctx.catalog[DELETED_RECORDS].get("key") or [{"name": "ID"}]
        gone: set[str] = set()
        for page in self.ctx.client.pages(
            DELETED_RECORDS,
            key_attribute=deleted_key[0]["name"],
            attributes=("__PrimaryKey", "__TableName", "__Stamp"),
            filter=all_of(Ge("__Stamp", since), Eq("__TableName", self.table.endpoint)),
            page_size=KEYSET_PAGE_SIZE,
        ):
            gone.update(str(e["__PrimaryKey"]) for e in page.entities if e.get("__PrimaryKey") is not None)
        yield from self._deleted(gone)

    def _since_modified_date(self, cursor: date) -> Iterator[pa.Table]:
        since = cursor - MODIFIED_DATE_OVERLAP
        yield from self._pages(Ge("modified_date", since), landed={})

    def _children_of_changed_parents(self) -> Iterator[pa.Table]:
        link = self.table.parent_link
        assert link is not None and self.table.parent is not None
        values = sorted(self.ctx.changed_links.get(self.table.parent, {}).get(link.parent_column, set()))
        catalog_type = self.remote.attribute_types.get(link.child_column)
        typed = [_typed(value, catalog_type) for value in values]
        for batch in batched_in(link.child_column, typed):
            seen: set[str] = set()
            yield from self._pages(batch, landed={}, seen=seen)
            landed_children = self.ctx.store.live_keys_where(
                self.table.resource, link.child_column, [render_text(v) for v in batch.values]
            )
            yield from self._deleted(set(landed_children) - seen)

    def _reconcile(self) -> Iterator[pa.Table]:
        """Count check; on a mismatch, compare key sets: mark the missing deleted, fetch what was not landed."""
        expected = self.live_before + self.new_rows - len(self.deleted)
        key = self.remote.key_attribute
        server = self.ctx.client.count(self.table.endpoint, key)
        if server == expected:
            return
        server_keys: dict[str, Any] = {}
        for page in self.ctx.client.pages(
            self.table.endpoint, key_attribute=key, attributes=(), page_size=KEYSET_PAGE_SIZE
        ):
            server_keys.update((e[KEY], e.get(key)) for e in page.entities)
        live = (set(self.ctx.store.live_stamps(self.table.resource)) | self.yielded) - self.deleted
        gone = live - set(server_keys)
        missing = [server_keys[k] for k in server_keys if k not in live]
        log.info(
            "%s: count check (server %d, landed %d): %d deleted, %d not landed yet",
            self.table.endpoint,
            server,
            expected,
            len(gone),
            len(missing),
        )
        yield from self._deleted(gone)
        for batch in batched_in(key, missing):
            yield from self._pages(batch, landed={})

    def _save_state(self) -> None:
        state = self.state
        state["strategy"] = self.plan.strategy
        state["attributes"] = {name: self.remote.attribute_types.get(name, "") for name in self.attributes}
        if self.plan.strategy == "global_stamp":
            state["cursor"] = self.first_global_stamp
        elif self.plan.strategy == "modified_date":
            previous = state.get("cursor") if not self.stats.full else None
            days = [d for d in (self.max_modified, date.fromisoformat(previous) if previous else None) if d]
            state["cursor"] = max(days).isoformat() if days else None
        else:
            state["cursor"] = None
        state["extracted"] = True
