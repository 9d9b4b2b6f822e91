"""Planted defects: which rows get one, at what rate, and the manifest the planting code writes.

The manifest is appended by the very code that plants each defect (in the table generators), never derived from
validation rules afterwards. A defective row gets no children, and no row carries two defects.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass, fields, replace
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class DefectRates:
    """Fractions of a table's rows that get each defect (``emulator-dataset.md`` defaults)."""

    invalid_sku: float = 0.005  # families and variants
    empty_name: float = 0.005  # families and variants
    negative_weight: float = 0.001  # families
    duplicate_key: float = 0.0005  # families: a second family with an existing Nummer
    orphan_parent: float = 0.02  # variants whose Familie_ matches no family
    missing_sales_record: float = 0.005  # sales lines whose AbsNr matches no sales record
    unknown_customer: float = 0.01  # sales records whose KundenNr matches no customer (a warning)
    address_without_customer: float = 0.05  # addresses no customer points to

    @classmethod
    def from_mapping(cls, rates: dict[str, float] | None) -> DefectRates:
        if not rates:
            return cls()
        known = {f.name for f in fields(cls)}
        unknown = set(rates) - known
        if unknown:
            raise ValueError(f"unknown defect reasons {sorted(unknown)}; known: {sorted(known)}")
        return replace(cls(), **{name: float(value) for name, value in rates.items()})

    def scaled(self, factor: float) -> DefectRates:
        return DefectRates(**{name: value * factor for name, value in asdict(self).items()})

    def count(self, reason: str, rows: int) -> int:
        """How many of ``rows`` rows get the defect: at least one whenever the rate is above zero."""
        rate = getattr(self, reason)
        return min(rows, math.ceil(rate * rows)) if rate > 0 and rows > 0 else 0


SEVERITY: dict[str, Severity] = {"unknown_customer": "warning"}


class Manifest:
    """The list of planted defects: ``{"table", "key", "reason", "severity"}`` in planting order."""

    def __init__(self) -> None:
        self.entries: list[dict[str, str]] = []
        self._keys: set[tuple[str, str]] = set()

    def add(self, table: str, key: str, reason: str) -> None:
        if (table, key) in self._keys:
            raise ValueError(f"{table} {key} already carries a defect")
        self._keys.add((table, key))
        self.entries.append({"table": table, "key": key, "reason": reason, "severity": SEVERITY.get(reason, "error")})

    def is_defective(self, table: str, key: str) -> bool:
        return (table, key) in self._keys


def plan_defects(rng: random.Random, rates: DefectRates, rows: int, reasons: tuple[str, ...]) -> dict[int, str]:
    """Row index -> reason, for disjoint sets of rows, one set per reason."""
    order = list(range(rows))
    rng.shuffle(order)
    planned: dict[int, str] = {}
    position = 0
    for reason in reasons:
        wanted = rates.count(reason, rows)
        for index in order[position : position + wanted]:
            planned[index] = reason
        position += wanted
    return planned
