"""What the server says about its tables (``$catalog/$all``), compared with the registry: plans and drift.

Run time decides two things per table that the registry cannot: whether the server tracks changes (a table with a
``__GlobalStamp`` attribute uses ``global_stamp`` whatever the registry declares; otherwise the declared strategy),
and which attributes to request. The request asks for the declared columns the server has, plus any storage
attribute the registry does not know yet — a new 4D column lands as a new raw column and is reported, a vanished
one is reported and left in place (rows keep their last landed value), and a changed 4D type is reported; none of
these stops the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from extract.records import GLOBAL_STAMP
from extract.tables import Strategy, Table

DELETED_RECORDS = "__DeletedRecords"


@dataclass(frozen=True)
class RemoteTable:
    """One dataclass as ``$catalog`` describes it."""

    name: str
    key_attribute: str
    attribute_types: Mapping[str, str]  # storage and N->1 relation attributes -> 4D catalog type
    tracked: bool  # has a __GlobalStamp attribute: 4D change tracking is on for it

    @classmethod
    def from_catalog(cls, entry: Mapping[str, Any]) -> RemoteTable:
        attributes = [a for a in entry.get("attributes", []) if isinstance(a, dict) and "name" in a]
        key = entry.get("key") or []
        key_attribute = key[0]["name"] if key and isinstance(key[0], dict) and "name" in key[0] else None
        if key_attribute is None:
            key_attribute = next((a["name"] for a in attributes if a.get("identifying")), "__KEY")
        types = {
            a["name"]: str(a.get("type", ""))
            for a in attributes
            if a.get("kind", "storage") in ("storage", "relatedEntity") and a["name"] != GLOBAL_STAMP
        }
        return cls(
            name=str(entry["name"]),
            key_attribute=key_attribute,
            attribute_types=types,
            tracked=any(a["name"] == GLOBAL_STAMP for a in attributes),
        )


@dataclass
class TablePlan:
    """How one table is extracted in this run."""

    table: Table
    remote: RemoteTable
    strategy: Strategy
    attributes: tuple[str, ...]  # the 4D attributes requested and landed, in raw column order
    drift: list[str] = field(default_factory=list)
    new_attributes: tuple[str, ...] = ()  # requested now but not in the previous run: the table is reloaded

    @property
    def endpoint(self) -> str:
        return self.table.endpoint

    @property
    def resource(self) -> str:
        return self.table.resource


def _kinds(entry: Mapping[str, Any]) -> dict[str, str]:
    return {a["name"]: a.get("kind", "storage") for a in entry.get("attributes", []) if isinstance(a, dict)}


def plan_table(table: Table, entry: Mapping[str, Any], previous_types: Mapping[str, str] | None) -> TablePlan:
    """Compare the registry entry, the server's catalog entry and the types seen by the previous run."""
    remote = RemoteTable.from_catalog(entry)
    kinds = _kinds(entry)
    strategy: Strategy = "global_stamp" if remote.tracked else table.strategy
    drift: list[str] = []
    declared = list(table.columns)
    present = [name for name in declared if name in remote.attribute_types]
    for name in declared:
        if name not in remote.attribute_types:
            drift.append(
                f"declared attribute {name} is not on the server any more "
                "(its raw column stays; rows landed from now on keep their last landed value)"
            )
    undeclared = [
        name
        for name in remote.attribute_types
        if name not in declared and name != remote.key_attribute and kinds.get(name) == "storage"
    ]
    for name in undeclared:
        drift.append(f"attribute {name} ({remote.attribute_types[name]}) is not in the registry; it lands as text")
    key_first = [remote.key_attribute] if remote.key_attribute in remote.attribute_types else []
    attributes = tuple(dict.fromkeys([*key_first, *present, *undeclared]))
    new_attributes: tuple[str, ...] = ()
    if previous_types is not None:
        for name in attributes:
            old, new = previous_types.get(name), remote.attribute_types.get(name)
            if old is not None and new is not None and old != new:
                drift.append(f"attribute {name} changed type {old} -> {new} (raw stays text)")
        new_attributes = tuple(name for name in attributes if name not in previous_types)
        for name in new_attributes:
            drift.append(f"attribute {name} is new since the last run: the table is extracted in full")
    return TablePlan(
        table=table,
        remote=remote,
        strategy=strategy,
        attributes=attributes,
        drift=drift,
        new_attributes=new_attributes,
    )
