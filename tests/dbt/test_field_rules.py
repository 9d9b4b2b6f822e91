"""Django's field rules in the sync: declared once, on the marts' contracts, and checked in SQL.

1. The declaration (each mart column's ``data_type``, NOT NULL and ``meta.django``) says what ``pyerp-schema.md``
   says of pyERP's column, for every pyERP column the sync writes; required foreign keys are flows/entities.py's.
2. The SQL each rule compiles to (macros/pyerp_validated.sql) judges probe values as Django's validators do: a
   value the SQL lets through passes Django as PostgreSQL stores it, and a value the SQL stops, Django refuses.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest
import yaml

from flows.entities import ENTITIES_BY_TABLE
from flows.settings import DBT_PROJECT_DIR
from tests.dbt.conftest import dbt_project_for
from tests.django_fields import django_errors, django_field
from tests.pyerp_schema import read_schema

MARTS = DBT_PROJECT_DIR / "models" / "marts" / "pyerp"
SCHEMA = read_schema()
# pyERP's foreign keys to tables the sync does not write: nullable, never filled by the sync (contracts.md).
OUTSIDE_FOREIGN_KEYS = {
    ("products_parentproduct", "supplier_id"),
    ("business_employee", "user_id"),
    ("production_productionorder", "created_by_id"),
    ("inventory_boxstorage", "created_by_id"),
}




def contract(table: str) -> dict[str, dict]:
    (model,) = yaml.safe_load((MARTS / f"{table}.yml").read_text())["models"]
    return {column["name"]: column for column in model["columns"]}


def test_every_pyerp_column_the_sync_writes_declares_pyerps_rule() -> None:
    wrong: list[str] = []
    for table, reference in SCHEMA.items():
        declared = contract(table)
        foreign_keys = {fk.target_column: fk for fk in ENTITIES_BY_TABLE[table].foreign_keys}
        for column in reference.columns:
            where = f"{table}.{column.name}"
            if column.name == "id" or column.name in reference.stamps:
                continue  # pyERP's identity, and the stamps publish sets as Django does
            if column.name in foreign_keys:  # a natural key in the mart, resolved to pyERP's id by publish
                if foreign_keys[column.name].required != (not column.blank):
                    wrong.append(f"{where}: required={foreign_keys[column.name].required}, blank={column.blank}")
                continue
            if (table, column.name) in OUTSIDE_FOREIGN_KEYS and column.name not in declared:
                continue
            if column.name not in declared:
                wrong.append(f"{where}: not in the mart's contract")
                continue
            mart = declared[column.name]
            django = (mart.get("meta") or {}).get("django") or {}
            not_null = any(c["type"] == "not_null" for c in mart.get("constraints", []))
            found = (mart["data_type"].replace(" ", ""), django.get("field"), bool(django.get("required")),
                     tuple(django.get("choices") or ()))  # fmt: skip
            needed = (column.pg_type.replace(" ", ""), column.django_field, not column.blank, column.choices)
            if found != needed:
                wrong.append(f"{where}: declared {found}, pyERP {needed}")
            # NOT NULL in pyERP must be NOT NULL in the mart; the mart may be stricter (its merge keys, say)
            if not column.nullable and not not_null:
                wrong.append(f"{where}: NOT NULL in pyERP, nullable in the mart")
        # and nothing declares a Django rule for a column pyERP does not have
        extra = [
            n for n, c in declared.items() if (c.get("meta") or {}).get("django") and n not in reference.column_names
        ]
        wrong += [f"{table}.{name}: declares a Django rule but pyERP has no such column" for name in extra]
    assert wrong == []


def test_the_seeded_choices_are_the_declared_ones() -> None:
    """The legacy-code seed maps 4D codes onto pyERP's choices: every value it maps to must be a declared choice."""
    seed = (DBT_PROJECT_DIR / "seeds" / "sales_inventory_choices.csv").read_text().splitlines()[1:]
    seeded: dict[str, set[str]] = {}
    for line in seed:
        choice_set, value, _ = line.split(",", 2)
        seeded.setdefault(choice_set, set()).add(value)
    declared = {
        tuple(c["meta"]["django"]["choices"])
        for table in SCHEMA
        for c in contract(table).values()
        if (c.get("meta") or {}).get("django", {}).get("choices")
    }
    assert all(any(values <= set(choices) for choices in declared) for values in seeded.values()), seeded


# --- the SQL of the rules against Django's validators ------------------------------------------------------------

EMAILS = [
    "max.mustermann@example.de", "jürgen.zimmermann@example.de", "info@müller-gmbh.de", "Max.Mustermann@Example.DE",
    "first..last@example.de", "name@example", "name@localhost", " name@example.de", "a@example.de; b@example.de",
    "", "x" * 243 + "@example.de", "x" * 244 + "@example.de", ".start@example.de", "end.@example.de",
    "o'brien+tag@example.co.uk", '"quoted name"@example.de', "name@[127.0.0.1]", "name@-example.de",
    "name@example-.de", "name@example.d", "name@example.123", "name@sub.example.de", "name@@example.de",
    "name@exam_ple.de", "name example@example.de", "ñ@example.de", "name@ex.ämple", "@example.de", "name@",
]  # fmt: skip
PROBES: list[tuple[str, str, str, list[str]]] = [
    # (table, column, the type the probe values are given in, values as text)
    ("sales_address", "email", "text", EMAILS),
    ("sales_customer", "customer_number", "text", ["", "K-1", "ä" * 50, "ä" * 51, " ", "x" * 49]),
    ("sales_address", "country", "text", ["DE", "DEU", "", "d"]),
    ("products_variantproduct", "retail_price", "numeric",
     ["12345678.99", "123456789.00", "19.999", "19.990", "1E+3", "-12345678.99", "0.001", "0", "99999999.995"]),
    ("sales_customer", "discount_percentage", "numeric", ["100.00", "1000", "999.99", "-999.99", "2.5"]),
    ("products_parentproduct", "weight", "numeric", ["2147483647", "2147483648", "-2147483648", "-2147483649", "0"]),
    ("business_employee", "annual_vacation_days", "numeric", ["-1", "0", "30", "2147483647", "2147483648"]),
    ("sales_salesrecord", "record_type", "text", ["INVOICE", "invoice", "", "CREDIT_NOTE", "Invoice "]),
    ("inventory_boxtype", "color", "text", ["blue", "Blue", "", "other", "purple"]),
    ("sales_salesrecorditem", "quantity", "numeric", ["-2.00", "12345678.9", "0.5", "0.555"]),
]  # fmt: skip


@pytest.fixture(scope="module")
def rules_sql(create_database, tmp_path_factory: pytest.TempPathFactory):
    """Compile a column's rules (the macro pyerp_column_rules, with ``probe.v`` as the value) to one condition."""
    url = create_database()
    project = dbt_project_for(url, Path(tmp_path_factory.mktemp("field-rules")))
    parsed = project.invoke("--quiet", "parse")
    assert parsed.success, parsed.exception

    def compile_rules(table: str, column: str) -> tuple[str, str]:
        mart = contract(table)[column]
        spec = {
            "name": column,
            "data_type": mart["data_type"].replace(" ", "").lower(),
            "not_null": any(c["type"] == "not_null" for c in mart.get("constraints", [])),
            "django": mart["meta"]["django"],
        }
        inline = (
            f"{{% set rules = pyerp_column_rules('probe.v', {spec!r}) %}}"
            "select probe.original{% for reason, failure, rule in rules %}, coalesce({{ failure }}, false) as "
            "{{ reason }}{% endfor %} from probe"
        )
        result = project.invoke("--quiet", "compile", "--inline", inline)
        assert result.success and result.result.results, (result.exception, result.result)
        compiled = result.result.results[0].node.compiled_code
        return url, compiled

    return compile_rules


@pytest.mark.integration
@pytest.mark.parametrize(("table", "column", "given_as", "values"), PROBES, ids=[f"{t}.{c}" for t, c, _, _ in PROBES])
def test_the_sql_rules_judge_values_as_djangos_validators_do(rules_sql, table, column, given_as, values) -> None:
    url, compiled = rules_sql(table, column)
    reference = SCHEMA[table].column(column)
    field = django_field(reference)
    statement = (
        f"with probe as (select v::{given_as} as v, v as original, '{{}}'::text[] as rejection_reasons "
        f"from unnest(%s::text[]) as v) {compiled.replace('%', '%%')}"  # a literal % in the e-mail pattern
    )
    stored_statement = f"select v::{given_as}::{reference.pg_type} from unnest(%s::text[]) as v"
    disagreements = []
    with contextlib.closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(statement, (values,))
        rows = cur.fetchall()
        for original, *flags in rows:
            failed = any(flags)
            python_value = Decimal(original) if given_as == "numeric" else original
            if failed:
                if not django_errors(field, python_value):
                    disagreements.append(f"{original!r}: the SQL refuses it, Django accepts it")
                continue
            cur.execute(stored_statement, ([original],))
            (stored,) = cur.fetchone()
            errors = django_errors(field, stored)
            if errors:
                disagreements.append(f"{original!r}: the SQL accepts it, Django refuses {stored!r}: {errors}")
            if given_as == "text" and stored != original:
                disagreements.append(f"{original!r}: stored as {stored!r}")
    assert disagreements == []
