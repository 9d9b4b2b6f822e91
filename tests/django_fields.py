"""pyERP's model fields rebuilt from ``pyerp-schema.md`` with Django's own classes, to validate values as pyERP's
``full_clean()`` does (Django is a test-only dependency). Independent of the sync's declaration in the marts'
contracts: the reference says what pyERP enforces, Django says whether a value passes."""

from __future__ import annotations

import functools
import re

import django
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from tests.pyerp_schema import Column


@functools.cache
def _configured() -> None:
    if not settings.configured:
        # pyERP's settings that matter to field validation: aware datetimes in Europe/Berlin
        settings.configure(USE_TZ=True, TIME_ZONE="Europe/Berlin", USE_I18N=False)
        django.setup()


def django_field(column: Column) -> models.Field | None:
    """The Django field the reference describes for one column; None for the primary key and the foreign keys
    (their rules, "not blank" and "target exists", are checked as NOT NULL and by the database's constraints)."""
    _configured()
    match = re.fullmatch(r"(\w+)(?:\((\d+)(?:,(\d+))?\))?", column.django_field)
    if match is None:
        raise ValueError(f"{column.name}: unknown Django field {column.django_field!r}")
    kind, first, second = match.groups()
    if kind in ("BigAutoField", "ForeignKey"):
        return None
    options: dict[str, object] = {"blank": column.blank, "null": column.nullable}
    if column.choices:
        options["choices"] = [(choice, choice) for choice in column.choices]
    if kind in ("CharField", "EmailField"):
        options["max_length"] = int(first)
    if kind == "DecimalField":
        options["max_digits"], options["decimal_places"] = int(first), int(second)
    return getattr(models, kind)(**options)


def django_errors(field: models.Field, value: object) -> list[str]:
    """What ``field.clean()`` says about the value ([] when it passes)."""
    try:
        field.clean(value, None)
    except ValidationError as error:
        return list(error.messages)
    return []


def email_warnings(server) -> set[tuple[str, str, str, str]]:
    """The ``invalid_email`` warnings a sync of this emulator's data must give without their being planted: every
    e-mail given (trimmed and lower-cased, as macros/clean_email.sql does) that pyERP's EmailField refuses, e.g. an
    umlaut before the @ or ``info(at)example.de``. As (entity, 4D key, reason, severity)."""
    _configured()
    field = models.EmailField(max_length=254, blank=True)
    found = set()
    for table, entity, attribute in (
        ("Adressen", "sales_address", "e_Mail"),
        ("Personal", "business_employee", "eMail"),
    ):
        for row in server.rows(table):
            value = (row.get(attribute) or "").strip().lower()
            if value and django_errors(field, value):
                found.add((entity, row["__KEY"], "invalid_email", "warning"))
    return found
