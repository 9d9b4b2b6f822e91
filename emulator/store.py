"""The in-memory datastore: tables of row tuples in primary-key order, stamps, the clock, deleted records.

A stored row is ``(__KEY, __TIMESTAMP, __STAMP, UID, <attributes...>, __GlobalStamp)``: one tuple per row and one
attribute list per table keeps scale 5 (about three million rows) in memory. Rows are replaced, never changed in
place, so a reader holding a row tuple always sees one consistent version of it.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator

from emulator.clock import Clock, berlin_local, format_timestamp
from emulator.dataset import Dataset
from emulator.entities import EntityFormat
from emulator.errors import unknown_dataclass
from emulator.predicates import Column
from emulator.schema import DELETED_RECORDS, GLOBAL_STAMP, Table
from emulator.values import USERS, format_legacy_date

SYSTEM_COLUMNS = 3  # __KEY, __TIMESTAMP, __STAMP come before the attributes
SELECTION_CACHE_SIZE = 16


class TableData:
    """One dataclass's rows, keyed by ``__KEY`` and kept in primary-key order."""

    def __init__(self, table: Table, rows: list[tuple], numeric_keys: bool = False) -> None:
        self.table = table
        self.rows: dict[str, tuple] = {row[0]: row for row in rows}
        self._sort_key: Callable[[str], int | str] = int if numeric_keys else str
        self.order: list[str] = sorted(self.rows, key=self._sort_key)
        self.version = 0
        self.columns: dict[str, Column] = {
            attribute.name: Column(SYSTEM_COLUMNS + i, attribute.kind if attribute.is_relation else attribute.type)
            for i, attribute in enumerate(table.attributes)
        }
        self.global_stamp_index = SYSTEM_COLUMNS + len(table.attributes)
        self.has_global_stamp = table is not DELETED_RECORDS

    @property
    def name(self) -> str:
        return self.table.name

    def index(self, attribute: str) -> int:
        return self.columns[attribute].index

    def position_after(self, key_text: str, inclusive: bool) -> int:
        """Where keys ``> key_text`` (``>=`` when inclusive) begin in the primary-key order."""
        try:
            # string keys are upper-case hex, and 4D compares text case-insensitively: compare in the keys' case
            key = self._sort_key(key_text if self._sort_key is int else key_text.upper())
        except ValueError:
            return 0  # not comparable as a key: let the predicate decide on every row
        find = bisect.bisect_left if inclusive else bisect.bisect_right
        return find(self.order, key, key=self._sort_key)

    def add(self, row: tuple) -> None:
        key = row[0]
        if key in self.rows:
            raise ValueError(f"{self.name} already has a row {key}")
        self.rows[key] = row
        bisect.insort(self.order, key, key=self._sort_key)
        self.version += 1

    def replace(self, row: tuple) -> None:
        self.rows[row[0]] = row
        self.version += 1

    def remove(self, key: str) -> tuple:
        row = self.rows.pop(key)
        position = bisect.bisect_left(self.order, self._sort_key(key), key=self._sort_key)
        del self.order[position]
        self.version += 1
        return row


class Store:
    """All tables of one emulator, its clock and its change-tracking state. Guard changes with ``lock``."""

    def __init__(self, dataset: Dataset, change_tracking: bool = False, clock: Clock | None = None) -> None:
        self.seed = dataset.seed
        self.scale = dataset.scale
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        self.tables: dict[str, TableData] = {t.name: TableData(t, dataset.rows[t.name]) for t in dataset.tables}
        self.uuid_keys = dataset.uuid_keys
        self.deleted_records = TableData(DELETED_RECORDS, [], numeric_keys=True)
        self.change_tracking = change_tracking
        self.global_stamp = dataset.next_global_stamp
        self.manifest: list[dict[str, str]] = dataset.manifest
        self.defective: set[tuple[str, str]] = {(entry["table"], entry["key"]) for entry in dataset.manifest}
        self.selections: OrderedDict[tuple, list[str]] = OrderedDict()

    # --- what the REST layer sees ----------------------------------------------------------------------------

    def dataclass_names(self) -> list[str]:
        names = list(self.tables)
        return [*names, DELETED_RECORDS.name] if self.change_tracking else names

    def table(self, name: str) -> TableData:
        """A served dataclass by its case-sensitive name; 404/1800 otherwise."""
        if name == DELETED_RECORDS.name and self.change_tracking:
            return self.deleted_records
        data = self.tables.get(name)
        if data is None:
            raise unknown_dataclass(name)
        return data

    def served_attributes(self, data: TableData) -> tuple:
        """The attributes a client sees: ``__GlobalStamp`` is one of them only while change tracking is on."""
        if self.change_tracking and data.has_global_stamp:
            return (*data.table.attributes, GLOBAL_STAMP)
        return data.table.attributes

    def filter_columns(self, data: TableData) -> dict[str, Column]:
        if self.change_tracking and data.has_global_stamp:
            return {**data.columns, GLOBAL_STAMP.name: Column(data.global_stamp_index, GLOBAL_STAMP.type)}
        return data.columns

    def envelope_stamp(self) -> int:
        """``__GlobalStamp`` of the envelope: the current counter, or 0 when change tracking is off."""
        return self.global_stamp if self.change_tracking else 0

    def cached_selection(self, cache_key: tuple, compute: Callable[[], list[str]]) -> list[str]:
        with self.lock:
            keys = self.selections.get(cache_key)
            if keys is not None:
                self.selections.move_to_end(cache_key)
                return keys
        keys = compute()
        with self.lock:
            self.selections[cache_key] = keys
            while len(self.selections) > SELECTION_CACHE_SIZE:
                self.selections.popitem(last=False)
        return keys

    def rows(self, name: str) -> Iterator[dict]:
        """A table's current rows in primary-key order, exactly as the REST API serves them (all attributes)."""
        data = self.table(name)
        render = EntityFormat(data, self.served_attributes(data), None)
        with self.lock:
            snapshot = [data.rows[key] for key in data.order]
        return (render(row) for row in snapshot)

    # --- what mutations use ----------------------------------------------------------------------------------

    def take_global_stamp(self) -> int:
        stamp = self.global_stamp
        self.global_stamp += 1
        return stamp

    def saved_row(self, data: TableData, values: list, stamp: int) -> tuple:
        """A row as saved now: new ``__TIMESTAMP``, the given ``__STAMP``, the next global stamp and, on tables
        with audit columns, ``modified_*`` set to the clock's local time."""
        now = self.clock.now_ms()
        if data.table.has_audit:
            year, month, day, seconds = berlin_local(now)
            values[data.index("modified_name")] = USERS[0]
            values[data.index("modified_date")] = format_legacy_date(year, month, day)
            values[data.index("modified_time")] = seconds
        values[1] = format_timestamp(now)
        values[2] = stamp
        values[data.global_stamp_index] = self.take_global_stamp()
        return tuple(values)

    def record_deletion(self, data: TableData, key: str) -> None:
        if not self.change_tracking:
            return
        record_id = len(self.deleted_records.order) + 1
        while str(record_id) in self.deleted_records.rows:
            record_id += 1
        row = (
            str(record_id), format_timestamp(self.clock.now_ms()), 1,
            record_id, key, self.take_global_stamp(), data.name, data.table.number,
        )  # fmt: skip
        self.deleted_records.add(row)
