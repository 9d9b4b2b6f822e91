"""pyERP's real schema, read from ``tests/reference/pyerp-schema.md`` (a vendored copy of the shared reference).

The reference is generated from pyERP's migrated database and its models, so tests compare against it instead of
writing pyERP's shape down a second time. ``read_schema()`` returns one ``Table`` per ``## <table>`` section:
its column rows (PostgreSQL type, nullability, database default, and the Django field rules: field class, blank,
Python default, validators, choices, notes) and its bullet lists (primary key, unique, check, foreign keys,
indexes, and every other bullet as text).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

REFERENCE_PATH = Path(__file__).resolve().parent / "reference" / "pyerp-schema.md"

COLUMN_HEADER = "| column | PG type | null | DB default | Django field | blank | Python default | validators | notes |"
NOTHING = "—"  # the reference's "no value" in a cell


@dataclass(frozen=True)
class Column:
    """One row of a table's column list, the cells as the reference writes them (backticks removed)."""

    name: str
    pg_type: str  # format_type(), with `varchar` and `timestamptz` for the long spellings
    nullable: bool
    db_default: str | None  # None, or e.g. "identity BY DEFAULT"
    django_field: str  # class, with max_length or (max_digits,decimal_places): "CharField(50)", "DecimalField(10,2)"
    blank: bool  # whether full_clean() accepts an empty value
    python_default: str  # e.g. "'' (implicit)", "0", "— (none)"
    validators: tuple[str, ...]  # e.g. ("Email", "MaxLength(254)"); () for none
    notes: str

    @property
    def choices(self) -> tuple[str, ...]:
        """The values of a choices field, () when the field has none."""
        match = re.search(r"choices: ((?:`[^`]*`(?:, )?)+)", self.notes)
        return tuple(re.findall(r"`([^`]*)`", match.group(1))) if match else ()

    @property
    def is_identity(self) -> bool:
        return self.db_default is not None and self.db_default.startswith("identity")


@dataclass(frozen=True)
class Constraint:
    """A named entry of one of the bullet lists: its definition as written, and the reference's comment."""

    name: str
    definition: str  # "(id)", "UNIQUE (code)", "UNIQUE INDEX (customer_id) WHERE is_primary", "CHECK (...)"
    comment: str = ""


@dataclass(frozen=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    references: str
    referenced_columns: tuple[str, ...]
    deferrable: bool
    initially_deferred: bool
    on_delete: str  # in the database: "NO ACTION" for all of them
    on_update: str
    comment: str = ""  # e.g. "Django on_delete SET_NULL (ORM only)"


@dataclass(frozen=True)
class Index:
    name: str
    definition: str  # method and key as pg_get_indexdef writes them after USING: "btree (code varchar_pattern_ops)"
    comment: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    model: str  # "products.ProductCategory"
    columns: tuple[Column, ...]
    primary_key: Constraint
    unique: tuple[Constraint, ...]
    checks: tuple[Constraint, ...]
    foreign_keys: tuple[ForeignKey, ...]
    indexes: tuple[Index, ...]  # besides those backing the constraints
    bullets: dict[str, str] = field(default_factory=dict)  # every bullet by its bold label, items joined by newlines

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def stamps(self) -> dict[str, str]:
        """Column → "auto_now_add" or "auto_now": the columns Django sets at save time."""
        text = self.bullets.get("Stamps (Django only, no DB default)", "")
        return dict(re.findall(r"`(\w+)` \((auto_now(?:_add)?)\)", text))

    @property
    def required(self) -> tuple[str, ...]:
        """The columns full_clean() refuses empty (blank=False)."""
        text = self.bullets.get("full_clean() rejects an empty value (`''` or NULL; blank=False) in", "")
        return tuple(re.findall(r"`(\w+)`", re.sub(r"\(default [^)]*\)", "", text)))


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _unquote(text: str) -> str:
    return text.replace("`", "")


def _column(line: str) -> Column:
    name, pg_type, null, default, django_field, blank, python_default, validators, notes = _cells(line)
    if null not in ("NULL", "NOT NULL") or blank not in ("yes", "no"):
        raise ValueError(f"unreadable column row: {line}")
    return Column(
        name=_unquote(name),
        pg_type=pg_type,
        nullable=null == "NULL",
        db_default=None if default == "none" else default,
        django_field=django_field,
        blank=blank == "yes",
        python_default=python_default,
        validators=() if validators == NOTHING else tuple(v.strip() for v in validators.split(", ")),
        notes=notes,
    )


def _named(item: str) -> tuple[str, str, str]:
    """ "`name`: definition — comment" → (name, definition, comment)."""
    match = re.match(r"`([^`]+)`: (.*)$", item)
    if match is None:
        raise ValueError(f"unreadable entry: {item}")
    definition, _, comment = match.group(2).partition(" — ")
    return match.group(1), definition.strip(), comment.strip()


_FOREIGN_KEY = re.compile(
    r"^\((?P<columns>[^)]*)\) → `(?P<references>\w+)`\((?P<referenced>[^)]*)\), (?P<deferral>[A-Z ]+?), "
    r"ON DELETE (?P<on_delete>[A-Z ]+), ON UPDATE (?P<on_update>[A-Z ]+)$"
)


def _foreign_key(item: str) -> ForeignKey:
    name, definition, comment = _named(item)
    match = _FOREIGN_KEY.match(definition)
    if match is None:
        raise ValueError(f"unreadable foreign key: {item}")
    deferral = match.group("deferral")
    return ForeignKey(
        name=name,
        columns=tuple(c.strip() for c in match.group("columns").split(",")),
        references=match.group("references"),
        referenced_columns=tuple(c.strip() for c in match.group("referenced").split(",")),
        deferrable=deferral.startswith("DEFERRABLE"),
        initially_deferred=deferral.endswith("INITIALLY DEFERRED"),
        on_delete=match.group("on_delete"),
        on_update=match.group("on_update"),
        comment=comment,
    )


def _bullets(lines: list[str]) -> dict[str, tuple[str, list[str]]]:
    """Top-level bullets ``- **Label:** text`` with their indented ``  - item`` lines: label → (text, items)."""
    bullets: dict[str, tuple[str, list[str]]] = {}
    current: list[str] | None = None
    for line in lines:
        top = re.match(r"^- \*\*(.+?):?\*\*:? ?(.*)$", line)
        if top:
            label, text = top.group(1).rstrip(":"), top.group(2).strip()
            current = []
            bullets[label] = (text, current)
        elif line.startswith("  - ") and current is not None:
            current.append(line[4:].strip())
    return bullets


def _table(name: str, lines: list[str]) -> Table:
    model = re.search(r"^Model `([^`]+)`", "\n".join(lines), flags=re.MULTILINE)
    start = lines.index(COLUMN_HEADER)
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(_column(line))
    bullets = _bullets(lines)

    def items(label: str) -> list[str]:
        text, entries = bullets[label]
        if text == "none":
            return []
        # "same definition, redundant: …" notes two entries already listed; it is no entry of its own
        return [entry for entry in entries if not entry.startswith("same definition")]

    primary_name, primary_definition, _ = _named(bullets["Primary key"][0])
    return Table(
        name=name,
        model=model.group(1) if model else "",
        columns=tuple(rows),
        primary_key=Constraint(primary_name, primary_definition),
        unique=tuple(Constraint(*_named(item)) for item in items("Unique")),
        checks=tuple(Constraint(*_named(item)) for item in items("Check")),
        foreign_keys=tuple(_foreign_key(item) for item in items("Foreign keys")),
        indexes=tuple(Index(*_named(item)) for item in items("Indexes")),
        bullets={label: "\n".join([text, *entries]).strip() for label, (text, entries) in bullets.items()},
    )


def parse_schema(text: str) -> dict[str, Table]:
    """Every table section of the reference, in the reference's order."""
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    tables: dict[str, Table] = {}
    for section in sections:
        heading, *lines = section.splitlines()
        if re.fullmatch(r"\w+", heading.strip()) and any(line.startswith("Model `") for line in lines[:3]):
            tables[heading.strip()] = _table(heading.strip(), lines)
    return tables


@functools.cache
def read_schema(path: Path = REFERENCE_PATH) -> dict[str, Table]:
    return parse_schema(path.read_text(encoding="utf-8"))
