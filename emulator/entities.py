"""Stored row tuple -> the entity object 4D serves (``__KEY``, ``__TIMESTAMP``, ``__STAMP``, attributes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from emulator.schema import Attribute

if TYPE_CHECKING:  # a type only: store.py imports this module to render its rows (Store.rows)
    from emulator.store import TableData

SYSTEM_NAMES = ("__KEY", "__TIMESTAMP", "__STAMP")


class EntityFormat:
    """Renders rows of one dataclass with all served attributes, or only ``selected`` ones (``$attributes``).

    Relations come out as 4D's deferred objects: N->1 ``{"__deferred": {"uri": "/rest/T(KEY)", "__KEY": KEY}}``
    (null when there is no related row), 1->N ``{"__deferred": {"uri": "/rest/T(KEY)/rel?$expand=rel"}}``.
    """

    def __init__(self, data: TableData, served: Sequence[Attribute], selected: Sequence[str] | None) -> None:
        by_name = {attribute.name: attribute for attribute in served}
        chosen = [by_name[name] for name in selected] if selected is not None else list(served)
        self.names = (*SYSTEM_NAMES, *(attribute.name for attribute in chosen))
        self.dataclass = data.name
        self.all_in_order = selected is None  # served attributes are a prefix of the stored tuple
        self.indices = (0, 1, 2, *(self._index(data, attribute) for attribute in chosen))
        self.relations = [(a.name, a) for a in chosen if a.is_relation]

    @staticmethod
    def _index(data: TableData, attribute: Attribute) -> int:
        if attribute.name == "__GlobalStamp":
            return data.global_stamp_index
        return data.index(attribute.name)

    def __call__(self, row: tuple) -> dict:
        if self.all_in_order:
            entity = dict(zip(self.names, row, strict=False))
        else:
            entity = dict(zip(self.names, [row[i] for i in self.indices], strict=True))
        for name, attribute in self.relations:
            if attribute.kind == "relatedEntity":
                key = entity[name]
                entity[name] = (
                    {"__deferred": {"uri": f"/rest/{attribute.related}({key})", "__KEY": key}} if key else None
                )
            else:
                entity[name] = {"__deferred": {"uri": f"/rest/{self.dataclass}({row[0]})/{name}?$expand={name}"}}
        return entity
