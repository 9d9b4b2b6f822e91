"""Key style: serve chosen tables' numbered keys as 32-char upper-case hex UUID strings (``uuid_keys``).

4D's documentation allows it (4d-rest-api.md §3.3: ``__KEY`` is the primary key as text, ``"1"`` or a 32-char
upper-case hex UUID for UUID keys; §3.4: a UUID field is served as 32 hex characters), and a real server does it:
``ID_Lagerort`` served as a UUID string. With ``uuid_keys={"Stamm_Lagerorte", …}`` the numbered key of each chosen
table (``UUID_KEY_FIELDS``: ``ID_Lagerort``, ``ID``, ``KundenNr``, ``AbsNr``, …) becomes a text attribute holding the
row's own UUID primary key (its ``__KEY`` = ``UID``: the key field *is* the UUID key, as on the production server,
where ``UUID_Stamm_Lagerorte`` on boxes matches both a location's ``__KEY`` and its ``ID_Lagerort``), and every
reference to it holds the referenced row's UUID, consistently:

- the declared references (``schema.REFERENCES``: ``Kunden.AdrNr``, ``Belege.KundenNr``, ``Belege_Pos.AbsNr``,
  ``Stamm_Lager_Schuetten_Slots.ID_Lager_Schuetten_Slots``, ``Lager_Schuetten.ID_Stamm_Lager_Schuetten``,
  ``Werksauftraege.Form_Nr``, ``WerksauftrPos.W_Auftr_Nr``, ``Form_Artikel.FormNr``), which become text attributes;
- ``LOOSE_REFERENCES`` (``Belege.Bearbeiter`` → ``Personal.Pers_Nr``, not enforced by mutations);
- keys inside ``data_`` objects (``OBJECT_REFERENCES``: ``Stamm_Lagerort``, ``Schuetten_ID``), also where the object
  arrives as a JSON string.

A reference that matched no row (a planted orphan such as ``Belege_Pos.AbsNr`` ≥ 9,000,000) gets a UUID no row has,
the same one for the same old value, so orphans stay orphans. Everything is deterministic for the seed. Without a
chosen table the dataset is returned unchanged (other tests depend on its exact data).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

import orjson

from emulator.schema import REFERENCES, TABLES_BY_NAME, Table
from emulator.values import new_key

if TYPE_CHECKING:  # a type only: dataset.py imports this module to apply the key style
    from emulator.dataset import Dataset

SYSTEM_COLUMNS = 3  # __KEY, __TIMESTAMP, __STAMP come before the attributes (UID is the first attribute)

# The tables whose numbered key can be served as a UUID, and that key.
UUID_KEY_FIELDS: dict[str, str] = {
    "Kunden": "KundenNr",
    "Adressen": "AdrNr",
    "Belege": "AbsNr",
    "Personal": "Pers_Nr",
    "Stamm_Lagerorte": "ID_Lagerort",
    "Stamm_Lager_Schuetten": "ID",
    "Stamm_Lager_Schuetten_Slots": "ID",
    "Lager_Schuetten": "ID",
    "Werksauftraege": "WerkAufNr",
    "Formen": "FormNr",
}
# (child table, attribute) -> (parent table, parent attribute): references the data holds but mutations do not keep.
LOOSE_REFERENCES: tuple[tuple[str, str, str, str], ...] = (("Belege", "Bearbeiter", "Personal", "Pers_Nr"),)
# (child table, object attribute, property) -> (parent table, parent attribute): keys inside data_ objects.
OBJECT_REFERENCES: tuple[tuple[str, str, str, str, str], ...] = (
    ("Stamm_Lager_Schuetten", "data_", "Stamm_Lagerort", "Stamm_Lagerorte", "ID_Lagerort"),
    ("Lager_Schuetten", "data_", "Stamm_Lagerort", "Stamm_Lagerorte", "ID_Lagerort"),
    ("Lager_Schuetten", "data_", "Schuetten_ID", "Stamm_Lager_Schuetten", "ID"),
)


def uuid_key_tables(names: Iterable[str] | str | None) -> frozenset[str]:
    """The chosen tables, checked: names of ``UUID_KEY_FIELDS`` (case-sensitive), or ``"all"``; a clear error else.

    A string is a comma-separated list (the CLI's ``--uuid-keys Stamm_Lagerorte,Stamm_Lager_Schuetten``)."""
    if names is None:
        return frozenset()
    if isinstance(names, str):
        names = [part.strip() for part in names.split(",") if part.strip()]
    chosen = set(names)
    if "all" in chosen:
        return frozenset(UUID_KEY_FIELDS)
    unknown = sorted(chosen - set(UUID_KEY_FIELDS))
    if unknown:
        raise ValueError(
            f"uuid_keys: no numbered key to serve as a UUID in {unknown}; choose among {', '.join(UUID_KEY_FIELDS)}"
            " (or all)"
        )
    return frozenset(chosen)


def _index(table: Table, attribute: str) -> int:
    return SYSTEM_COLUMNS + table.attribute_names.index(attribute)


def _set(row: tuple, index: int, value) -> tuple:
    return (*row[:index], value, *row[index + 1 :])


def _rewrite_object(value, prop: str, to_uuid: Callable):
    """A ``data_`` value (object, JSON string holding one, or anything else) with ``prop`` mapped."""
    if isinstance(value, dict):
        return {**value, prop: to_uuid(value[prop])} if prop in value else value
    if isinstance(value, str):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
        if isinstance(parsed, dict) and prop in parsed:
            return orjson.dumps({**parsed, prop: to_uuid(parsed[prop])}).decode()
    return value


def apply_uuid_keys(dataset: Dataset, chosen: Iterable[str]) -> Dataset:
    """The dataset with the chosen tables' numbered keys, and every reference to them, served as UUID strings."""
    tables = uuid_key_tables(list(chosen))
    if not tables:
        return dataset
    rows = dict(dataset.rows)
    text_attributes: dict[str, set[str]] = {}
    for name in sorted(tables):
        field = UUID_KEY_FIELDS[name]
        index = _index(TABLES_BY_NAME[name], field)
        uuid_of: dict[object, str] = {row[index]: row[0] for row in rows[name]}
        rows[name] = [_set(row, index, row[0]) for row in rows[name]]
        text_attributes.setdefault(name, set()).add(field)
        rng = random.Random(f"{dataset.seed}:uuid-keys:{name}")

        def to_uuid(value, uuid_of=uuid_of, rng=rng):
            if value is None or value == "":
                return value
            if value not in uuid_of:  # a reference to no row: a UUID no row has, the same for the same value
                uuid_of[value] = new_key(rng)
            return uuid_of[value]

        plain = [(r.child, r.attribute) for r in REFERENCES if (r.parent, r.parent_attribute) == (name, field)]
        plain += [(child, attr) for child, attr, parent, key in LOOSE_REFERENCES if (parent, key) == (name, field)]
        for child, attribute in plain:
            position = _index(TABLES_BY_NAME[child], attribute)
            rows[child] = [_set(row, position, to_uuid(row[position])) for row in rows[child]]
            text_attributes.setdefault(child, set()).add(attribute)
        for child, attribute, prop, parent, key in OBJECT_REFERENCES:
            if (parent, key) != (name, field):
                continue
            position = _index(TABLES_BY_NAME[child], attribute)
            rows[child] = [_set(row, position, _rewrite_object(row[position], prop, to_uuid)) for row in rows[child]]
    served = tuple(
        replace(table, attributes=tuple(
            replace(a, type="string") if a.name in text_attributes.get(table.name, ()) else a
            for a in table.attributes
        ))
        for table in dataset.tables
    )  # fmt: skip
    return replace(dataset, rows=rows, tables=served, uuid_keys=tables)
