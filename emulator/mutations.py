"""Business activity between syncs: updates, inserts and deletes that keep the dataset consistent.

Every change saves the row as the ERP would (``__STAMP`` + 1, ``__TIMESTAMP`` and ``modified_*`` from the emulator
clock, the next ``__GlobalStamp``), advances the clock by 1 ms per row (not inside ``same_second()``), and a change
to a child row (sales line, order position, box slot, mold article) touches its parent. Rows carrying a planted
defect are never touched, so the manifest stays true. Each call returns the keys it changed, per table.

One module of about 360 lines on purpose: update, insert and delete share the rules that keep the dataset consistent
(which rows may change, the copies' fresh keys and numbers, the parents a child change touches, the derived fields),
and each rule reads best next to the operations that must respect it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date

from emulator.business import document_totals, line_amount
from emulator.clock import berlin_local
from emulator.generators.sales import SHIPPING_METHODS
from emulator.predicates import date_ordinal
from emulator.schema import REFERENCES, Reference, composition_parent
from emulator.store import Store, TableData
from emulator.values import PHRASES, USERS, format_legacy_date, new_key, number_text, pick

_PREFIXED_NUMBER = re.compile(r"^(?P<prefix>\D*)(?P<digits>\d+)$")
_HEX_KEY = re.compile(r"^[0-9A-F]{32}$")
CHOICES = {
    "Kunden.Versandart": SHIPPING_METHODS,
    "Belege.Versandart": SHIPPING_METHODS,
    "Stamm_Lager_Schuetten.Schuettenzweck": ("Lager", "Versand", "Produktion", "Retoure"),
    "Werksauftraege.Status": ("V", "E", "S", "D", "C"),
    "WerksauftrPos.Status": ("V", "E", "P", "C"),
    "Personal.Telefon2": ("0171/5550101", "0160/5550202", "0152/5550303", ""),
}


@dataclass
class Changes:
    """Keys per table that a mutation inserted, updated (including touched parents) and deleted."""

    inserted: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    deleted: dict[str, list[str]] = field(default_factory=dict)

    def note(self, kind: str, table: str, key: str) -> None:
        keys = getattr(self, kind).setdefault(table, [])
        if key not in keys:
            keys.append(key)

    def to_dict(self) -> dict:
        return {"inserted": self.inserted, "updated": self.updated, "deleted": self.deleted}


class Mutations:
    """Mutation API over one store; deterministic for the store's seed and the sequence of calls."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rng = random.Random(f"{store.seed}:mutations")

    # --- public operations -----------------------------------------------------------------------------------

    def update(self, table: str, percent: float | None = None, count: int | None = None,
               keys: list[str] | None = None) -> Changes:  # fmt: skip
        """Change the business fields of some rows (``percent`` of the table, ``count`` rows, or given ``keys``)."""
        with self.store.lock:
            data = self.store.table(table)
            chosen = keys if keys is not None else self._choose(data, self._clean_keys(data), percent, count)
            changes = Changes()
            for key in chosen:
                self._update_row(data, key, changes)
            self._touch_parents(data, changes.updated.get(table, []), changes)
            return changes

    def insert(self, table: str, count: int = 1) -> Changes:
        """Insert ``count`` new rows, each a fresh copy of an existing clean row with new keys and numbers."""
        with self.store.lock:
            data = self.store.table(table)
            changes = Changes()
            templates = self._clean_keys(data)
            if not templates:
                raise ValueError(f"{table} has no row to model an insert on")
            for _ in range(count):
                self._insert_copy(data, data.rows[pick(self.rng, templates)], changes, parent_value=None)
            self._touch_parents(data, changes.inserted.get(table, []), changes)
            return changes

    def delete(self, table: str, percent: float | None = None, count: int | None = None,
               keys: list[str] | None = None) -> Changes:  # fmt: skip
        """Delete rows nothing else points to (their own child rows go with them)."""
        with self.store.lock:
            data = self.store.table(table)
            candidates = keys if keys is not None else self._deletable(data)
            chosen = keys if keys is not None else self._choose(data, candidates, percent, count)
            changes = Changes()
            parent_values = self._parent_values(data, chosen)
            for key in chosen:
                self._delete_row(data, key, changes)
            self._touch_parents_by_value(data, parent_values, changes)
            return changes

    # --- choosing rows ---------------------------------------------------------------------------------------

    def _clean_keys(self, data: TableData) -> list[str]:
        defective = self.store.defective
        return [key for key in data.order if (data.name, key) not in defective]

    def _choose(self, data: TableData, candidates: list[str], percent: float | None, count: int | None) -> list[str]:
        if count is None:
            count = 0 if percent is None else max(1, round(len(data.order) * percent / 100)) if percent > 0 else 0
        count = min(count, len(candidates))
        return sorted(self.rng.sample(candidates, count)) if count else []

    def _referenced(self, reference: Reference) -> set:
        child = self.store.tables[reference.child]
        index = child.index(reference.attribute)
        return {row[index] for row in child.rows.values()} - {None, ""}

    def _deletable(self, data: TableData) -> list[str]:
        blocked: set[str] = set()
        for reference in REFERENCES:
            if reference.parent == data.name and not reference.composition:
                blocked |= self._keys_with_values(data, reference.parent_attribute, self._referenced(reference))
            if reference.parent == data.name and reference.composition:
                child = self.store.tables[reference.child]
                busy_children = set(self._deletable_blockers(child))
                if busy_children:
                    index = child.index(reference.attribute)
                    values = {child.rows[key][index] for key in busy_children}
                    blocked |= self._keys_with_values(data, reference.parent_attribute, values)
        return [key for key in self._clean_keys(data) if key not in blocked]

    def _deletable_blockers(self, child: TableData) -> set[str]:
        blockers: set[str] = set()
        for reference in REFERENCES:
            if reference.parent == child.name and not reference.composition:
                blockers |= self._keys_with_values(child, reference.parent_attribute, self._referenced(reference))
        return blockers

    @staticmethod
    def _keys_with_values(data: TableData, attribute: str, values: set) -> set[str]:
        index = data.index(attribute)
        return {key for key, row in data.rows.items() if row[index] in values}

    # --- changing one row ------------------------------------------------------------------------------------

    def _update_row(self, data: TableData, key: str, changes: Changes) -> None:
        values = list(data.rows[key])
        for name in data.table.mutable:
            index = data.index(name)
            values[index] = self._changed_value(data, name, values[index])
        _recalculate(data, values)
        self.store.clock.tick()
        data.replace(self.store.saved_row(data, values, values[2] + 1))
        changes.note("updated", data.name, key)

    def _changed_value(self, data: TableData, name: str, value):
        kind = data.table.by_name[name].type
        if kind == "bool":
            return not value
        if name == "Kreditlimit":
            return number_text(self.rng, float(pick(self.rng, (1000, 2500, 5000, 7500))))
        if kind in ("long", "word"):
            return (value or 0) + 1 + int(self.rng.random() * 3)
        if kind == "number":
            return round((value or 0) * (0.9 + self.rng.random() * 0.3), 2) if value else 1.0
        if kind == "date":
            year, month, day, _ = berlin_local(self.store.clock.now_ms())
            return format_legacy_date(year, month, day)
        if kind == "object":
            return _changed_object(value, self.store.clock.now_iso())
        choices = CHOICES.get(f"{data.name}.{name}", PHRASES)
        return pick(self.rng, [choice for choice in choices if choice != value] or ["geändert"])

    def _insert_copy(self, data: TableData, template: tuple, changes: Changes, parent_value) -> str:
        values = list(template)
        key = new_key(self.rng)
        values[0] = values[3] = key
        self._renumber(data, values, template)
        composition = composition_parent(data.name)
        if composition is not None and parent_value is not None:
            values[data.index(composition.attribute)] = parent_value[0]
            for attribute in data.table.attributes:
                if attribute.related == composition.parent:
                    values[data.index(attribute.name)] = parent_value[1]
        if composition is not None and composition.position:
            values[data.index(composition.position)] = self._next_position(
                data, composition.attribute, composition.position, values
            )
        owner = next((r for r in REFERENCES if r.owner and data.name in (r.child, r.parent)), None)
        self.store.clock.tick()
        if data.table.has_audit:
            year, month, day, seconds = berlin_local(self.store.clock.now_ms())
            for name, value in (("created_name", USERS[0]), ("created_date", format_legacy_date(year, month, day)),
                                ("created_time", seconds)):  # fmt: skip
                values[data.index(name)] = value
        if owner is not None and owner.child == data.name:  # a new customer gets its own new address
            address = self.store.tables[owner.parent]
            address_template = address.rows[pick(self.rng, self._clean_keys(address))]
            fresh = self._insert_plain(address, address_template, changes)
            values[data.index(owner.attribute)] = fresh[address.index(owner.parent_attribute)]
        row = self.store.saved_row(data, values, 1)
        data.add(row)
        changes.note("inserted", data.name, key)
        if owner is not None and owner.parent == data.name:  # a new address comes with its customer
            customers = self.store.tables[owner.child]
            template_customer = list(customers.rows[pick(self.rng, self._clean_keys(customers))])
            template_customer[customers.index(owner.attribute)] = row[data.index(owner.parent_attribute)]
            self._insert_plain(customers, tuple(template_customer), changes)
        for reference in REFERENCES:
            if reference.parent == data.name and reference.composition:
                children = self.store.tables[reference.child]
                index = children.index(reference.attribute)
                source = template[data.index(reference.parent_attribute)]
                link = (row[data.index(reference.parent_attribute)], key)
                for child_key in [k for k, r in children.rows.items() if r[index] == source]:
                    self._insert_copy(children, children.rows[child_key], changes, parent_value=link)
        return key

    def _insert_plain(self, data: TableData, template: tuple, changes: Changes) -> tuple:
        """Insert a copy with fresh keys and numbers, nothing else (the other half of an owner pair)."""
        values = list(template)
        values[0] = values[3] = new_key(self.rng)
        self.store.clock.tick()
        self._renumber(data, values, template)
        row = self.store.saved_row(data, values, 1)
        data.add(row)
        changes.note("inserted", data.name, row[0])
        return row

    def _renumber(self, data: TableData, values: list, template: tuple) -> None:
        """Fresh values for the unique attributes of a copy (``values`` already has its new key); a unique attribute
        that holds the row's own key (a numbered key served as the UUID key, ``keys.py``) takes the new key."""
        for attribute in data.table.attributes:
            if attribute.unique:
                index = data.index(attribute.name)
                own_key = template[index] == template[0]
                values[index] = values[0] if own_key else self._fresh_value(data, index, values[index])

    def _fresh_value(self, data: TableData, index: int, value):
        """A value for a unique attribute that no row has yet, shaped like ``value``."""
        if isinstance(value, int) and not isinstance(value, bool):
            return max(abs(row[index]) for row in data.rows.values() if isinstance(row[index], int)) + 1
        if not isinstance(value, str):
            return value
        if _HEX_KEY.match(value):
            return new_key(self.rng)
        taken = {row[index] for row in data.rows.values()}
        match = _PREFIXED_NUMBER.match(value)
        if match:
            prefix, width = match["prefix"], len(match["digits"])
            numbers = [int(m["digits"]) for v in taken if isinstance(v, str) and (m := _PREFIXED_NUMBER.match(v))
                       and m["prefix"] == prefix]  # fmt: skip
            return f"{prefix}{max(numbers, default=0) + 1:0{width}d}"
        stem = value.rsplit("-", 1)[0] if "-" in value else value
        sequence = 1
        while f"{stem}-N{sequence}" in taken:
            sequence += 1
        return f"{stem}-N{sequence}"

    def _next_position(self, data: TableData, parent_attribute: str, position_attribute: str, values: list) -> int:
        parent_index, position_index = data.index(parent_attribute), data.index(position_attribute)
        parent = values[parent_index]
        siblings = [row[position_index] for row in data.rows.values() if row[parent_index] == parent]
        return max(siblings, default=0) + 1

    def _delete_row(self, data: TableData, key: str, changes: Changes) -> None:
        if key not in data.rows:
            return
        row = data.rows[key]
        for reference in REFERENCES:
            if reference.parent == data.name and reference.composition:
                children = self.store.tables[reference.child]
                index, value = children.index(reference.attribute), row[data.index(reference.parent_attribute)]
                for child_key in [k for k, r in children.rows.items() if r[index] == value]:
                    self._delete_row(children, child_key, changes)
        self.store.clock.tick()
        data.remove(key)
        self.store.record_deletion(data, key)
        changes.note("deleted", data.name, key)
        for reference in REFERENCES:
            if reference.child == data.name and reference.owner:  # the address goes with its last customer
                value = row[data.index(reference.attribute)]
                if value not in self._referenced(reference):
                    parent = self.store.tables[reference.parent]
                    for parent_key in self._keys_with_values(parent, reference.parent_attribute, {value}):
                        self._delete_row(parent, parent_key, changes)

    # --- parents of changed children -------------------------------------------------------------------------

    def _parent_values(self, data: TableData, keys: list[str]) -> set:
        composition = composition_parent(data.name)
        if composition is None:
            return set()
        index = data.index(composition.attribute)
        return {data.rows[key][index] for key in keys if key in data.rows}

    def _touch_parents(self, data: TableData, keys: list[str], changes: Changes) -> None:
        self._touch_parents_by_value(data, self._parent_values(data, keys), changes)

    def _touch_parents_by_value(self, data: TableData, values: set, changes: Changes) -> None:
        composition = composition_parent(data.name)
        if composition is None or not values:
            return
        parent = self.store.tables[composition.parent]
        children_of: dict = {}
        index = data.index(composition.attribute)
        for row in data.rows.values():
            if row[index] in values:
                children_of.setdefault(row[index], []).append(row)
        for parent_key in sorted(self._keys_with_values(parent, composition.parent_attribute, values)):
            if changes.inserted.get(parent.name) and parent_key in changes.inserted[parent.name]:
                continue
            parent_values = list(parent.rows[parent_key])
            if parent.name == "Belege":
                own_lines = children_of.get(parent_values[parent.index(composition.parent_attribute)], [])
                _recalculate_totals(parent, data, parent_values, own_lines)
            self.store.clock.tick()
            parent.replace(self.store.saved_row(parent, parent_values, parent_values[2] + 1))
            changes.note("updated", parent.name, parent_key)


def _changed_object(value, now_iso: str):
    if isinstance(value, dict) and "Coll" in value:
        return {**value, "Coll": [{**item, "Preis": round(item["Preis"] * 1.05, 2)} for item in value["Coll"]]}
    if isinstance(value, dict):
        return {**value, "geaendert": now_iso}
    return value


def _recalculate(data: TableData, values: list) -> None:
    """Derived fields the ERP keeps in step when a row is saved."""
    if data.name == "Belege_Pos":
        amount = line_amount(values[data.index("Menge")], values[data.index("Preis")], values[data.index("Rabatt")])
        values[data.index("Pos_Betrag")] = amount
        values[data.index("Picking_ok")] = values[data.index("Pick_Menge")] >= values[data.index("Menge")]
    elif data.name == "Belege":
        paid = values[data.index("bezahlt")]
        values[data.index("ZahlungBetrag")] = values[data.index("Endbetrag")] if paid else 0.0
        if not paid:
            values[data.index("ZahlungsDat")] = "0!0!0"
        elif values[data.index("ZahlungsDat")] == "0!0!0":
            values[data.index("ZahlungsDat")] = values[data.index("modified_date")]
    elif data.name == "WerksauftrPos":
        target, done = values[data.index("St_Soll")], values[data.index("St_Haben")]
        values[data.index("St_Haben")] = done = min(done, target)
        values[data.index("St_Rest")] = target - done
        if done == target:
            values[data.index("Status")] = "V"


def _recalculate_totals(record: TableData, lines: TableData, values: list, line_rows: list[tuple]) -> None:
    """A sales record's ``Netto``, ``MWST_EUR`` and ``Endbetrag`` from its lines' ``Pos_Betrag``."""
    ordinal = date_ordinal(values[record.index("Datum")])
    day = date.fromordinal(ordinal) if ordinal else None
    amounts = [row[lines.index("Pos_Betrag")] for row in line_rows]
    net, vat, total = document_totals(
        day, values[record.index("MWSt_Art")] == "JA", values[record.index("Frachtkosten")],
        values[record.index("Bearbeitungskos")], amounts,
    )  # fmt: skip
    values[record.index("Netto")], values[record.index("MWST_EUR")], values[record.index("Endbetrag")] = net, vat, total
    if values[record.index("bezahlt")]:
        values[record.index("ZahlungBetrag")] = total
