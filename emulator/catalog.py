"""``$catalog``: the dataclasses and their attributes as 4D describes them (4d-rest-api.md §5)."""

from __future__ import annotations

from emulator.schema import Attribute
from emulator.store import Store, TableData


def attribute_description(attribute: Attribute, position: int) -> dict:
    description: dict = {"name": attribute.name, "kind": attribute.kind}
    if attribute.kind == "storage":
        description["fieldPos"] = position
    description["scope"] = "public"
    description["type"] = attribute.type
    if attribute.indexed:
        description["indexed"] = True
    if attribute.identifying:
        description["identifying"] = True
    if attribute.type == "date":
        description["simpleDate"] = True
    if attribute.kind == "relatedEntity":
        description["path"] = attribute.related
        if attribute.foreign_key:
            description["foreignKey"] = attribute.foreign_key
    elif attribute.kind == "relatedEntities":
        description["path"] = attribute.related
        description["reversePath"] = True
    return description


def dataclass_description(store: Store, data: TableData) -> dict:
    table = data.table
    key = next(attribute.name for attribute in table.attributes if attribute.identifying)
    return {
        "name": table.name,
        "className": table.name,
        "collectionName": f"{table.name}Selection",
        "tableNumber": table.number,
        "scope": "public",
        "dataURI": f"/rest/{table.name}",
        "attributes": [attribute_description(a, i + 1) for i, a in enumerate(store.served_attributes(data))],
        "key": [{"name": key}],
    }


def catalog(store: Store, unique_id: str, detailed: bool, only: str | None = None) -> dict:
    """``$catalog`` (names and URIs), ``$catalog/$all`` (``detailed``) or ``$catalog/{dataClass}`` (``only``)."""
    names = [only] if only else store.dataclass_names()
    if detailed:
        classes = [dataclass_description(store, store.table(name)) for name in names]
    else:
        classes = [{"name": n, "uri": f"/rest/$catalog/{n}", "dataURI": f"/rest/{n}"} for n in names]
    return {"__UNIQID": unique_id, "dataClasses": classes}
