"""Selections: ``$filter``, ``$params``, ``$orderby`` and ``$attributes`` applied to one dataclass.

Without ``$orderby`` a selection is in primary-key order, so ``$skip``/``$top`` paging is stable [inferred]. A
selection is cached per (table version, filter, params, order), so paging through a filtered table evaluates the
filter once, not once per page.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import orjson

from emulator.errors import RestError, attribute_list_error, query_error, unknown_attribute
from emulator.filters import Comparison, Conjunction, Literal, parse_filter
from emulator.predicates import FilterCompiler, date_ordinal, normalize_text
from emulator.schema import NUMERIC_TYPES, Attribute
from emulator.store import Store, TableData


def parse_params(text: str | None) -> list:
    """``$params='["john",20000]'``: a JSON array, optionally in single quotes."""
    if not text:
        return []
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1]
    try:
        params = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise query_error(f"$params is not a JSON array: {text}", 1280) from None
    if not isinstance(params, list):
        raise query_error(f"$params is not a JSON array: {text}", 1280)
    return params


def parse_orderby(store: Store, data: TableData, text: str) -> list[tuple[int, str, bool]]:
    """``"attr1 desc, attr2 asc"`` -> [(row index, 4D type, descending)]."""
    columns = store.filter_columns(data)
    order = []
    for part in text.split(","):
        words = part.split()
        if not words:
            continue
        name, direction = words[0], (words[1].lower() if len(words) > 1 else "asc")
        column = columns.get(name)
        if column is None or len(words) > 2 or direction not in ("asc", "desc"):
            raise unknown_attribute(name, data.name, (1810, f"Wrong list of attributes to order by: {text}"))
        if column.type in ("object", "relatedEntity", "relatedEntities"):
            raise RestError(500, (1810, f"Cannot order by the attribute {name}"))
        order.append((column.index, column.type, direction == "desc"))
    return order


def _sort_key(index: int, kind: str) -> Callable[[tuple], Any]:
    if kind == "date":
        return lambda row: -1 if (v := date_ordinal(row[index])) is None else v
    if kind == "string":
        return lambda row: "" if row[index] is None else normalize_text(row[index])
    if kind in NUMERIC_TYPES:
        return lambda row: -math.inf if row[index] is None else row[index]
    return lambda row: row[index] is not None and bool(row[index])


def _primary_key(data: TableData) -> str | None:
    return next((a.name for a in data.table.attributes if a.identifying), None)


def _key_lower_bound(node, primary_key: str | None) -> tuple[str, bool] | None:
    """A ``<primary key> > v`` / ``>= v`` condition that the whole filter requires (alone, or ANDed at the top):
    the selection can then start at that key in the primary-key order instead of testing every row — what an
    index does on the real server, and what keeps key-ordered paging linear rather than quadratic."""
    if primary_key is None:
        return None
    if isinstance(node, Comparison):
        if node.path == (primary_key,) and node.operator in (">", ">=") and isinstance(node.value, Literal):
            return node.value.text, node.operator == ">="
        return None
    if isinstance(node, Conjunction) and node.kind == "and":
        return _key_lower_bound(node.left, primary_key) or _key_lower_bound(node.right, primary_key)
    return None


def select(
    store: Store,
    data: TableData,
    filter_text: str | None,
    params_text: str | None,
    orderby_text: str | None,
    strict_dates: bool,
    base_keys: list[str] | None = None,
) -> list[str]:
    """Keys of the selected entities, in order (before ``$skip``/``$top``)."""
    predicate = None
    lower_bound = None
    if filter_text:
        compiler = FilterCompiler(data.name, store.filter_columns(data), parse_params(params_text), strict_dates)
        tree = parse_filter(filter_text)
        predicate = compiler.compile(tree)
        lower_bound = _key_lower_bound(tree, _primary_key(data))
        if lower_bound is not None and isinstance(tree, Comparison):
            predicate = None  # the key range is the whole filter: the seek alone answers it
    order = parse_orderby(store, data, orderby_text) if orderby_text else []
    primary_key = _primary_key(data)
    if order and len(order) == 1 and not order[0][2] and primary_key and order[0][0] == data.index(primary_key):
        order = []  # ascending by the primary key: the stored order already is
    if predicate is None and not order and base_keys is None and lower_bound is None:
        return data.order

    def compute() -> list[str]:
        with store.lock:
            rows = data.rows
            keys = data.order if base_keys is None else [k for k in base_keys if k in rows]
            if lower_bound is not None and base_keys is None:
                keys = keys[data.position_after(*lower_bound) :]
            keys = [key for key in keys if predicate(rows[key])] if predicate is not None else list(keys)
            for index, kind, descending in reversed(order):
                read = _sort_key(index, kind)

                def sort_key(key: str, read: Callable[[tuple], Any] = read) -> Any:
                    return read(rows[key])

                keys.sort(key=sort_key, reverse=descending)
            return keys

    if base_keys is not None:
        return compute()
    cache_key = (data.name, data.version, store.change_tracking, filter_text, params_text, orderby_text, strict_dates)
    return store.cached_selection(cache_key, compute)


def parse_attributes(store: Store, data: TableData, text: str | None) -> list[str] | None:
    """``$attributes`` (or the ``/{dataClass}/a,b`` path form) -> attribute names; None for all."""
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names or names == ["*"]:
        return None
    served = {attribute.name for attribute in store.served_attributes(data)}
    for name in names:
        if name not in served:
            raise attribute_list_error(name, data.name)
    return list(dict.fromkeys(names))


def compute_aggregate(store: Store, data: TableData, keys: list[str], attribute: Attribute | None, action: str):
    """``$compute``: count, sum, average, min, max or $all over one attribute (count also over entities)."""
    if attribute is None:
        if action != "count":
            raise RestError(500, (1817, f"The compute action {action} needs an attribute"))
        return len(keys)
    index = data.index(attribute.name) if attribute.name != "__GlobalStamp" else data.global_stamp_index
    with store.lock:
        values = [row[index] for key in keys if (row := data.rows.get(key)) is not None and row[index] is not None]
    numeric = attribute.type in NUMERIC_TYPES
    if attribute.type == "date":
        dated = [(date_ordinal(v), v) for v in values]
        values_for_order = [pair for pair in dated if pair[0]]
        minimum = min(values_for_order)[1] if values_for_order else None
        maximum = max(values_for_order)[1] if values_for_order else None
    else:
        minimum = min(values) if values and attribute.type != "object" else None
        maximum = max(values) if values and attribute.type != "object" else None
    results = {"count": len(values), "min": minimum, "max": maximum}
    if numeric:
        total = sum(values)
        results.update(sum=total, average=total / len(values) if values else None)
    if action == "$all":
        return {attribute.name: results}
    if action not in ("count", "sum", "average", "min", "max"):
        raise RestError(500, (1817, f'The compute action "{action}" does not exist'))
    if action not in results:
        raise RestError(500, (1817, f"{action} cannot be computed on the {attribute.type} attribute {attribute.name}"))
    return results[action]
