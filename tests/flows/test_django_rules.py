"""Every row the sync published passes pyERP's own field rules, checked with Django's validators on every row of
every pyERP table (not a sample); what failed them was held back or published emptied, and says so in the rejects.

The fields are rebuilt from ``pyerp-schema.md`` (tests/django_fields.py), not from the sync's own declaration, so a
wrong declaration in a mart's contract fails here too."""

from __future__ import annotations

import contextlib

import psycopg2
import pytest
from psycopg2 import sql

from tests.django_fields import django_errors, django_field
from tests.pyerp_schema import read_schema

pytestmark = pytest.mark.integration


def test_every_published_row_passes_djangos_field_rules(synced_world) -> None:
    failures: dict[str, list[str]] = {}
    checked = 0
    with contextlib.closing(psycopg2.connect(synced_world.url)) as conn:
        for table, reference in read_schema().items():
            fields = {c.name: django_field(c) for c in reference.columns}
            # a foreign key full_clean() requires (blank=False) must be set; the database checks that it exists
            required_fks = [
                c.name
                for c in reference.columns
                if c.django_field == "ForeignKey" and not c.blank
            ]
            names = list(fields)
            with conn.cursor(f"rows_{table}") as cur:
                cur.itersize = 2000
                cur.execute(
                    sql.SQL("select {} from {}").format(
                        sql.SQL(", ").join(sql.Identifier(n) for n in names), sql.Identifier("pyerp", table)
                    )
                )
                for row in cur:
                    checked += 1
                    values = dict(zip(names, row, strict=True))
                    for name, field in fields.items():
                        errors = django_errors(field, values[name]) if field is not None else []
                        if name in required_fks and values[name] is None:
                            errors = ["This field cannot be blank."]
                        if errors:
                            failures.setdefault(table, []).append(
                                f"id {values['id']}: {name}={values[name]!r}: {errors}"
                            )
    assert checked > 2000  # every table, every row of the small world
    assert {table: found[:5] for table, found in failures.items()} == {}


def test_values_that_fail_a_rule_are_listed_with_their_details(synced_world) -> None:
    """The world's addresses include e-mails Django refuses (an umlaut before the @, or no address at all such as
    ``info(at)example.de``): each is published empty with a warning whose details keep the value 4D had, none is
    dropped silently; every reject of every reason says what failed."""
    warned = synced_world.query(
        "select r.legacy_key, r.details -> 'email' ->> 'value', a.email from pyerp_sync.rejects as r "
        "join pyerp.sales_address as a on a.legacy_id = r.legacy_key "
        "where r.entity = 'sales_address' and r.reason = 'invalid_email' and r.run_id = %s",
        (synced_world.full_run.run_id,),
    )
    assert warned, "the world has addresses with e-mails Django refuses"
    assert all(original and published == "" for _, original, published in warned), warned
    assert {"@" in original for _, original, _ in warned} == {True, False}, "both kinds are warned"
    without_details = synced_world.query(
        "select entity, reason, count(*) from pyerp_sync.rejects where run_id = %s "
        "and (details is null or details = '{}'::jsonb) group by 1, 2",
        (synced_world.full_run.run_id,),
    )
    assert without_details == []
