"""The only code that writes 4D ``$filter`` text.

Filters are built from typed constructors and rendered in the documented 4D syntax (``reference/4d-rest-api.md``
§2.2, contracts.md):

    Eq("Familie_", "7464FE…")            ->  Familie_ = '7464FE…'
    Ge("modified_date", date(2026, 10, 1)) ->  modified_date >= '2026-10-01'
    In("AbsNr", [1, 2])                  ->  AbsNr IN [1,2]
    And(Ge("__GlobalStamp", 42), Gt("UID", "AB"))  ->  __GlobalStamp >= 42 AND UID > 'AB'

String values are wrapped in single quotes; a ``'`` or ``"`` inside a value is written as ``\\u0027`` / ``\\u0022``
(the escapes 4D documents), so no value can close its quotes and change the query. Attribute names are checked
against a strict pattern for the same reason. Dates only take ``>=`` and ``<=``: the production server answered 500 to
``>`` and ``<`` on date attributes. ``@`` is 4D's wildcard for ``=``; a value containing it is refused rather than
silently matching more rows.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar
from urllib.parse import quote

Value = str | int | float | bool | date | None

# Keep a whole request URL well under 8 KB: path, $attributes and paging take at most ~2 KB.
MAX_ENCODED_FILTER_CHARS = 5000

_ATTRIBUTE = re.compile(r"^[^\W\d]\w*(\.[^\W\d]\w*)*$|^__\w+$")


def _check_attribute(name: str) -> str:
    if not _ATTRIBUTE.match(name):
        raise ValueError(f"not a 4D attribute name: {name!r}")
    return name


def render_value(value: Value) -> str:
    """One literal in 4D query syntax."""
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"cannot filter on {value!r}")
        return repr(value)
    if isinstance(value, datetime):
        raise TypeError("4D Date attributes hold calendar dates: pass a datetime.date, not a datetime")
    if isinstance(value, date):
        return f"'{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "\\u0027").replace('"', "\\u0022") + "'"
    raise TypeError(f"unsupported filter value type {type(value).__name__}")


class Filter(ABC):
    """A 4D query expression."""

    @abstractmethod
    def render(self) -> str:
        """The expression in 4D's documented filter syntax."""

    def encoded(self) -> str:
        """The rendered filter as it goes into the URL (percent-encoded, nothing left unescaped)."""
        return quote(self.render(), safe="")

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True)
class _Comparison(Filter):
    attribute: str
    value: Value
    operator: ClassVar[str] = "="

    def __post_init__(self) -> None:
        _check_attribute(self.attribute)
        render_value(self.value)  # fail at construction, not at render time

    def render(self) -> str:
        return f"{self.attribute} {self.operator} {render_value(self.value)}"


@dataclass(frozen=True)
class Eq(_Comparison):
    operator: ClassVar[str] = "="

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.value, str) and "@" in self.value:
            raise ValueError(f"{self.attribute}: '@' is 4D's wildcard; an equality on {self.value!r} would match more")


@dataclass(frozen=True)
class Ne(Eq):
    operator: ClassVar[str] = "!="


@dataclass(frozen=True)
class Ge(_Comparison):
    operator: ClassVar[str] = ">="


@dataclass(frozen=True)
class Le(_Comparison):
    operator: ClassVar[str] = "<="


@dataclass(frozen=True)
class Gt(_Comparison):
    """Strictly greater; refused for dates (the production server answered 500)."""

    operator: ClassVar[str] = ">"

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.value, date):
            raise TypeError(f"{self.attribute}: only >= and <= work on 4D dates; use Ge")


@dataclass(frozen=True)
class Lt(Gt):
    operator: ClassVar[str] = "<"


@dataclass(frozen=True)
class In(Filter):
    attribute: str
    values: tuple[Value, ...]

    def __init__(self, attribute: str, values: Iterable[Value]) -> None:
        object.__setattr__(self, "attribute", _check_attribute(attribute))
        object.__setattr__(self, "values", tuple(values))
        if not self.values:
            raise ValueError(f"{attribute}: IN needs at least one value")
        for value in self.values:
            render_value(value)

    def render(self) -> str:
        return f"{self.attribute} IN [{','.join(render_value(v) for v in self.values)}]"


@dataclass(frozen=True)
class _Junction(Filter):
    parts: tuple[Filter, ...]
    keyword: ClassVar[str] = "AND"

    def __init__(self, *parts: Filter | None) -> None:
        kept = tuple(part for part in parts if part is not None)
        if not kept:
            raise ValueError(f"{self.keyword} needs at least one condition")
        object.__setattr__(self, "parts", kept)

    def render(self) -> str:
        rendered = []
        for part in self.parts:
            text = part.render()
            if isinstance(part, _Junction) and len(part.parts) > 1 and part.keyword != self.keyword:
                text = f"({text})"
            rendered.append(text)
        return f" {self.keyword} ".join(rendered)


@dataclass(frozen=True, init=False)
class And(_Junction):
    keyword: ClassVar[str] = "AND"


@dataclass(frozen=True, init=False)
class Or(_Junction):
    keyword: ClassVar[str] = "OR"


def all_of(*parts: Filter | None) -> Filter | None:
    """``And`` of the given conditions, skipping ``None``; ``None`` when nothing is left; one condition as is."""
    kept = [part for part in parts if part is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else And(*kept)


def batched_in(
    attribute: str, values: Sequence[Value], max_encoded_chars: int = MAX_ENCODED_FILTER_CHARS
) -> Iterator[In]:
    """``In`` filters over ``values`` (deduplicated, order kept), each short enough for one URL."""
    _check_attribute(attribute)
    overhead = len(quote(f"{attribute} IN []", safe=""))
    batch: list[Value] = []
    size = overhead
    seen: set[object] = set()
    for value in values:
        marker = (type(value).__name__, value)
        if marker in seen:
            continue
        seen.add(marker)
        cost = len(quote(render_value(value), safe="")) + len(quote(",", safe=""))
        if batch and size + cost > max_encoded_chars:
            yield In(attribute, batch)
            batch, size = [], overhead
        batch.append(value)
        size += cost
    if batch:
        yield In(attribute, batch)
