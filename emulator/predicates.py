"""``$filter`` semantics: a syntax tree (``filters.py``) compiled into a predicate over stored row tuples.

4D compares text case- and accent-insensitively (``normalize_text``); ``@`` is the wildcard for ``=``/``==``/``!=``/
``#`` and literal for ``===``/``!==``/``IS``; dates compare as day ordinals (``date_ordinal``; the served form is
``d!m!yyyy``, the empty date ``0!0!0``); placeholders ``:N`` take their values from ``$params``. The same text and
date rules order selections (``query.py``) and date business changes (``mutations.py``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from emulator.errors import RestError, query_error, unknown_attribute
from emulator.filters import Comparison, Conjunction, ListValue, Literal, Negation, Node, Placeholder
from emulator.schema import NUMERIC_TYPES

Predicate = Callable[[tuple], bool]

_normal_cache: dict[str, str] = {}


def normalize_text(text: str) -> str:
    """Case- and accent-insensitive form of a text value (4D compares text that way)."""
    normal = _normal_cache.get(text)
    if normal is None:
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        normal = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ß", "ss")
        if len(_normal_cache) < 500_000:
            _normal_cache[text] = normal
    return normal


_DATE_FORMS = (
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[T ][\d:.]+Z?)?$"),
    re.compile(r"(?P<d>\d{1,2})!(?P<m>\d{1,2})!(?P<y>\d{4})$"),
    re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})$"),
)
_row_dates: dict[str, int] = {}


def date_ordinal(text: str | None) -> int | None:
    """Ordinal of a served date (``d!m!yyyy``); 0 for the empty date ``0!0!0``; None for null."""
    if text is None:
        return None
    ordinal = _row_dates.get(text)
    if ordinal is None:
        ordinal = _parse_date(text)
        _row_dates[text] = ordinal
    return ordinal


def _parse_date(text: str) -> int:
    text = text.strip()
    if text.replace("!", "").strip("0") == "":
        return 0
    for form in _DATE_FORMS:
        match = form.match(text)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"])).toordinal()
            except ValueError:
                break
    raise ValueError(text)


@dataclass(frozen=True)
class Column:
    index: int
    type: str


class FilterCompiler:
    """Turns a syntax tree into a predicate over stored row tuples of one dataclass."""

    def __init__(self, dataclass: str, columns: dict[str, Column], params: list, strict_dates: bool = False) -> None:
        self.dataclass = dataclass
        self.columns = columns
        self.params = params
        self.strict_dates = strict_dates

    def compile(self, node: Node) -> Predicate:
        if isinstance(node, Negation):
            inner = self.compile(node.operand)
            return lambda row: not inner(row)
        if isinstance(node, Conjunction):
            left, right = self.compile(node.left), self.compile(node.right)
            if node.kind == "and":
                return lambda row: left(row) and right(row)
            if node.kind == "or":
                return lambda row: left(row) or right(row)
            return lambda row: left(row) and not right(row)
        return self.comparison(node)

    def resolve(self, value):
        if isinstance(value, Placeholder):
            if not 1 <= value.index <= len(self.params):
                raise query_error(f"Placeholder :{value.index} has no value in $params", 1279)
            param = self.params[value.index - 1]
            if param is None:
                raise query_error(f"Placeholder :{value.index} is null", 1279)
            if isinstance(param, list):
                return [self.resolve_param(item, value.index) for item in param]
            return self.resolve_param(param, value.index)
        if isinstance(value, ListValue):
            return [self.resolve(item) for item in value.items]
        return value

    def resolve_param(self, param, index: int) -> Literal:
        if isinstance(param, dict | list):
            raise query_error(f"Placeholder :{index} has a value of the wrong type", 1280)
        if isinstance(param, bool):
            return Literal("true" if param else "false", False)
        return Literal(str(param), isinstance(param, str))

    def comparison(self, node: Comparison) -> Predicate:
        column = self.columns.get(node.path[0])
        if column is None or column.type in ("relatedEntity", "relatedEntities"):
            raise unknown_attribute(".".join(node.path), self.dataclass, (1201, "Cannot analyze the query"))
        value = self.resolve(node.value)
        operator = node.operator
        if operator == "in" and not isinstance(value, list):
            raise query_error("IN needs a list of values")
        if operator != "in" and isinstance(value, list):
            raise query_error(f"A list is only allowed with IN, not with {operator}")
        index, kind = column.index, column.type
        if len(node.path) > 1:
            if kind != "object":
                raise unknown_attribute(".".join(node.path), self.dataclass, (1201, "Cannot analyze the query"))
            return self.object_path(index, node.path[1:], operator, value)
        if kind == "date" and self.strict_dates and operator in (">", "<"):
            raise RestError(500, (1201, f"Cannot run the query: {operator} is not supported on the date attribute "
                                        f"{node.path[0]}"))  # fmt: skip
        convert = _converter(kind, node.path[0])
        if kind == "object":
            raise query_error(f"Cannot compare the object attribute {node.path[0]} as a whole; use a path")
        read = _reader(index, kind)
        return _predicate(read, operator, value, convert, text=kind == "string")

    def object_path(self, index: int, path: tuple[str, ...], operator: str, value) -> Predicate:
        def read(row: tuple):
            current = row[index]
            for step in path:
                if not isinstance(current, dict):
                    return None
                current = current.get(step)
            return normalize_text(current) if isinstance(current, str) else current

        probe = value[0] if isinstance(value, list) and value else value
        numeric = isinstance(probe, Literal) and not probe.quoted and _is_number(probe.text)
        convert = _converter("number" if numeric else "string", ".".join(path))
        return _predicate(read, operator, value, convert, text=not numeric)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _converter(kind: str, name: str) -> Callable[[Literal], object]:
    def convert(literal: Literal):
        text = literal.text
        if not literal.quoted and text.lower() == "null":
            return None
        if kind in NUMERIC_TYPES:
            try:
                number = float(text.strip())
            except ValueError:
                raise query_error(f"{text!r} is not a number (attribute {name})", 1280) from None
            return int(number) if number.is_integer() else number
        if kind == "bool":
            lowered = text.strip().lower()
            if lowered in ("true", "1"):
                return True
            if lowered in ("false", "0"):
                return False
            raise query_error(f"{text!r} is not a boolean (attribute {name})", 1280)
        if kind == "date":
            try:
                return _parse_date(text)
            except ValueError:
                raise query_error(f"{text!r} is not a date (attribute {name})", 1280) from None
        return text

    return convert


def _reader(index: int, kind: str) -> Callable[[tuple], object]:
    if kind == "date":
        return lambda row: date_ordinal(row[index])
    if kind == "string":
        return lambda row: None if row[index] is None else normalize_text(row[index])
    return lambda row: row[index]


def _wildcard(pattern: str) -> re.Pattern:
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("@")) + "$", re.DOTALL)


def _predicate(read, operator: str, value, convert, text: bool) -> Predicate:
    if operator == "in":
        wanted = {normalize_text(v) if text and isinstance(v, str) else v for v in (convert(item) for item in value)}
        return lambda row: read(row) in wanted
    target = convert(value)
    if target is None:
        if operator in ("=", "==", "==="):
            return lambda row: read(row) is None
        if operator in ("!=", "#", "!=="):
            return lambda row: read(row) is not None
        raise query_error(f"null cannot be used with {operator}")
    if text:
        target = normalize_text(str(target))
    if operator in ("=", "==", "!=", "#") and text and "@" in target:
        match = _wildcard(target).match
        if operator in ("=", "=="):
            return lambda row: (v := read(row)) is not None and match(v) is not None
        return lambda row: (v := read(row)) is None or match(v) is None
    if operator in ("=", "==", "==="):
        return lambda row: read(row) == target
    if operator in ("!=", "#", "!=="):
        return lambda row: read(row) != target
    if operator == "begin" or operator == "%":
        if not text:
            raise query_error(f"{operator} needs a text attribute")
        if operator == "begin":
            return lambda row: (v := read(row)) is not None and v.startswith(target)
        return lambda row: (v := read(row)) is not None and target in v
    compare = {">": lambda v: v > target, ">=": lambda v: v >= target, "<": lambda v: v < target,
               "<=": lambda v: v <= target}[operator]  # fmt: skip

    def ordered(row: tuple) -> bool:
        v = read(row)
        if v is None:
            return False
        try:
            return compare(v)
        except TypeError:
            return False

    return ordered
