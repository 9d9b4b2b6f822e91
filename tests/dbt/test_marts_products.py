"""The product, business and production marts, built by dbt from raw tables filled with the emulator's data.

One build per module (raw tables landed from an ``EmulatorServer(scale=0.02)`` without HTTP), then: the build
passes; the marts have pyERP's columns and types; the rejects are exactly the emulator's planted defects; mart rows
equal what the emulator's rows say, computed here in Python; a second build after 4D changes merges exactly the
changed rows (and an orphan variant comes back once its family exists). The last test mutates the shared state.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import psycopg2
import psycopg2.extras
import pytest

from emulator import EmulatorServer
from extract.records import parse_legacy_date
from flows.entities import ENTITIES_BY_TABLE
from flows.publish import AUTO_NOW, AUTO_NOW_ADD, MART_ONLY
from flows.target import ensure_target_tables
from tests.dbt.conftest import DbtProject, create_raw_tables_like_extract, dbt_project_for
from tests.dbt.raw_from_emulator import land_all, land_changes

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")
# Mart -> (the 4D table it comes from, its unique_key)
MARTS: dict[str, tuple[str, str]] = {
    "products_productcategory": ("ArtikelGruppe", "code"),
    "products_parentproduct": ("Artikel_Familie", "legacy_id"),
    "products_variantproduct": ("Artikel_Variante", "legacy_id"),
    "business_employee": ("Personal", "legacy_id"),
    "production_productionorder": ("Werksauftraege", "legacy_key"),
    "production_productionorderitem": ("WerksauftrPos", "legacy_key"),
    "production_mold": ("Formen", "legacy_uuid"),
    "production_moldproduct": ("Form_Artikel", "legacy_uuid"),
}
ORDER_STATUS = {"D": "draft", "S": "scheduled", "E": "in_progress", "V": "completed", "C": "cancelled"}
ITEM_STATUS = {"P": "pending", "E": "in_progress", "V": "completed", "C": "cancelled"}


@dataclass
class Built:
    url: str
    server: EmulatorServer
    project: DbtProject
    result: Any


def build(project: DbtProject):
    selection = [f"+{mart}" for mart in MARTS]
    # cautious: leave out tests that also need marts of other entities (sales, inventory), not built here
    return project.invoke("build", "--indirect-selection", "cautious", "--select", *selection)


@pytest.fixture(scope="module")
def built(create_database, tmp_path_factory) -> Iterator[Built]:
    url = create_database()
    server = EmulatorServer(scale=0.02)
    conn = psycopg2.connect(url)
    try:
        create_raw_tables_like_extract(conn)
        land_all(conn, server)
        ensure_target_tables(conn, "pyerp")
        conn.commit()
    finally:
        conn.close()
    project = dbt_project_for(url, tmp_path_factory.mktemp("dbt_products"))
    yield Built(url, server, project, build(project))


def query(url: str, statement: str, params: tuple = ()) -> list[dict[str, Any]]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            cur.execute(statement, params)
            return [dict(row) for row in cur.fetchall()]
    finally:
        conn.close()


def failures(result) -> list[str]:
    return [f"{r.node.unique_id}: {r.status} {r.message}" for r in result.result if r.status not in ("success", "pass")]


# --- independent expectations from the emulator's rows ----------------------------------------------------------


def clean(value: Any) -> str | None:
    if value is None:
        return None
    text = re.sub(r"[\s\u00a0]+", " ", str(value)).strip()
    return text or None


def truthy(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else None
    if text in ("true", "t", "yes", "y", "ja", "j", "1", "1.0"):
        return True
    if text in ("false", "f", "no", "n", "nein", "0", "0.0", ""):
        return False
    return None


def midnight_berlin(value: str | None) -> datetime | None:
    day = parse_legacy_date(value)
    return datetime(day.year, day.month, day.day, tzinfo=BERLIN) if day else None


def cents(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def price(preise: Any, art: str) -> tuple[Decimal | None, int | None]:
    if isinstance(preise, str):
        preise = json.loads(preise)
    for entry in (preise or {}).get("Coll", []):
        if entry.get("Art") == art:
            return cents(entry.get("Preis")), entry.get("VE")
    return None, None


def rows(server: EmulatorServer, table: str) -> list[dict[str, Any]]:
    return list(server.rows(table))


def base_skus(server: EmulatorServer) -> dict[str, str]:
    """Family __KEY -> legacy_base_sku: the most frequent fk_ArtNr of its variants (ties: smallest), else Nummer."""
    by_family: dict[str, Counter] = {}
    for variant in rows(server, "Artikel_Variante"):
        by_family.setdefault(variant["Familie_"], Counter())[variant["fk_ArtNr"]] += 1
    result = {}
    for family in rows(server, "Artikel_Familie"):
        counts = by_family.get(family["__KEY"])
        if counts:
            top = max(counts.values())
            result[family["__KEY"]] = min(value for value, n in counts.items() if n == top)
        else:
            result[family["__KEY"]] = family["Nummer"].strip()
    return result


def expected_rows(server: EmulatorServer) -> dict[str, dict[str, dict[str, Any]]]:
    """Mart -> key -> a selection of columns, computed from the emulator's rows (valid rows only)."""
    rejected = {entry["key"] for entry in server.manifest}
    bases = base_skus(server)
    parent_by_base = {base: key for key, base in bases.items() if key not in rejected}
    molds = {mold["FormNr"]: mold["__KEY"] for mold in rows(server, "Formen")}
    families = {family["__KEY"]: family for family in rows(server, "Artikel_Familie")}
    expected: dict[str, dict[str, dict[str, Any]]] = {mart: {} for mart in MARTS}
    for group in rows(server, "ArtikelGruppe"):
        expected["products_productcategory"][group["ArtGr"]] = {
            "name": group["Bezeichnung"], "description": clean(group["Beschreibung"]) or "",
            "parent_code": group["Ober_ArtGr"] or None,
        }  # fmt: skip
    for family in families.values():
        if family["__KEY"] in rejected:
            continue
        expected["products_parentproduct"][family["__KEY"]] = {
            "sku": family["Nummer"].strip(), "name": clean(family["Bezeichnung"]),
            "name_en": clean(family["Bezeichnung_ENG"]) or "", "description": clean(family["Beschreibung"]),
            "category_code": family["ArtGr"], "legacy_base_sku": bases[family["__KEY"]], "weight": family["Gewicht"],
            "release_date": midnight_berlin(family["Release_date"]), "is_active": family["aktiv"],
            "is_new": truthy(family["Neu"]), "is_hanging": family["Haengend"],
            "width_mm": cents(family["Masse_Breite"] or None), "length_mm": cents(family["Masse_Tiefe"] or None),
        }  # fmt: skip
    for variant in rows(server, "Artikel_Variante"):
        if variant["__KEY"] in rejected:
            continue
        retail, retail_unit = price(variant["Preise"], "Laden")
        wholesale, wholesale_unit = price(variant["Preise"], "Handel")
        expected["products_variantproduct"][variant["__KEY"]] = {
            "sku": str(variant["Nummer"]), "name": clean(variant["Bezeichnung"]),
            "parent_legacy_id": variant["Familie_"], "category_code": families[variant["Familie_"]]["ArtGr"],
            "legacy_sku": variant["alteNummer"], "legacy_base_sku": variant["fk_ArtNr"],
            "variant_code": variant["ArtikelArt"], "refOld": str(variant["refOld"]),
            "retail_price": retail, "retail_unit": retail_unit, "wholesale_price": wholesale,
            "wholesale_unit": wholesale_unit, "auslaufdatum": midnight_berlin(variant["Auslaufdatum"]),
            "release_date": midnight_berlin(variant["Release_date"]) or midnight_berlin(variant["Release_Date"]),
            "is_active": variant["Aktiv"], "is_verkaufsartikel": bool(variant["Verkaufsartikel"]),
            "color": variant["Farbe"], "is_new": variant["neu"],
        }  # fmt: skip
    for person in rows(server, "Personal"):
        annual = Decimal(str(person["Jahres_Gehalt"]))
        monthly = Decimal(str(person["Monatsgehalt"]))
        expected["business_employee"][person["__KEY"]] = {
            "employee_number": str(person["Pers_Nr"]), "last_name": person["Name"], "first_name": person["Vorname"],
            "hire_date": parse_legacy_date(person["Eintrittsdatum"]),
            "termination_date": parse_legacy_date(person["Austrittsdatum"]),
            "is_terminated": truthy(person["ausgeschieden"]), "is_present": person["anwesend"],
            "annual_salary": cents(annual),
            "monthly_salary": cents(monthly if monthly > 0 else annual / 12),
            "email": person["eMail"] or None, "mobile_phone": person["Telefon2"] or "",
        }  # fmt: skip
    for order in rows(server, "Werksauftraege"):
        expected["production_productionorder"][order["__KEY"]] = {
            "order_number": str(order["WerkAufNr"]), "form_number": str(order["Form_Nr"]),
            "status": ORDER_STATUS.get(order["Status"], "draft"), "quantity": order["Stückzahl"],
            "creation_date": midnight_berlin(order["eingestellt"]), "planned_date": midnight_berlin(order["Termin"]),
            "priority": order["Prio"], "legacy_id": order["UUID"], "legacy_form_id": order["linked_Form"],
        }  # fmt: skip
    for item in rows(server, "WerksauftrPos"):
        expected["production_productionorderitem"][item["__KEY"]] = {
            "production_order_number": str(item["W_Auftr_Nr"]), "item_number": item["WAP_Nr"],
            "status": ITEM_STATUS.get(item["Status"], "pending"), "product_sku": item["Art_Nr"],
            "parent_product_legacy_id": parent_by_base[item["Art_Nr"]],
            "start_date": midnight_berlin(item["Datum_begin"]), "target_quantity": item["St_Soll"],
            "value": item["Wert"], "legacy_form_artikel_id": item["linked_Form_Artikel"],
        }  # fmt: skip
    for mold in rows(server, "Formen"):
        expected["production_mold"][mold["__KEY"]] = {
            "legacy_form_nr": str(mold["FormNr"]), "description": mold["Bezeichnung"],
            "storage_location": mold["Lagerort"], "is_active": not mold["Sperre"],
        }  # fmt: skip
    seen_links: set[tuple] = set()
    for article in sorted(rows(server, "Form_Artikel"), key=lambda r: r["__KEY"]):
        link = (article["FormNr"], article["Art_Nr"])
        if link in seen_links:
            continue  # pyERP: unique (mold, parent_product); expected as a duplicate_key reject
        seen_links.add(link)
        expected["production_moldproduct"][article["__KEY"]] = {
            "mold_legacy_uuid": molds[article["FormNr"]],
            "parent_product_legacy_id": parent_by_base[article["Art_Nr"]],
            "products_per_mold": article["Anzahl"], "weight_per_product": Decimal(str(article["Gewichtung"])),
        }  # fmt: skip
    return expected


def expected_rejects(server: EmulatorServer) -> set[tuple[str, str, str]]:
    """(4D table, __KEY, reason): the manifest's product defects, plus the mold articles that repeat a
    (FormNr, Art_Nr) pair of a smaller __KEY (the emulator draws Form_Artikel bases with replacement)."""
    wanted = {
        (entry["table"], entry["key"], entry["reason"])
        for entry in server.manifest
        if entry["table"] in ("Artikel_Familie", "Artikel_Variante")
    }
    seen: set[tuple] = set()
    for article in sorted(rows(server, "Form_Artikel"), key=lambda r: r["__KEY"]):
        link = (article["FormNr"], article["Art_Nr"])
        if link in seen:
            wanted.add(("Form_Artikel", article["__KEY"], "duplicate_key"))
        seen.add(link)
    return wanted


def actual_reasons(url: str, column: str) -> set[tuple[str, str, str]]:
    found = set()
    for mart, (table, _) in MARTS.items():
        statement = f"select legacy_key, unnest({column}) as reason from legacy_staging.int_{mart}_validated"
        for row in query(url, statement):
            found.add((table, row["legacy_key"], row["reason"]))
    return found


def mart_state(url: str) -> dict[str, dict[str, tuple[str, str]]]:
    """Mart -> key -> (xmin, content_hash)."""
    state = {}
    for mart, (_, key) in MARTS.items():
        statement = f"select {key}::text as key, xmin::text as xmin, content_hash from legacy_marts.{mart}"
        state[mart] = {row["key"]: (row["xmin"], row["content_hash"]) for row in query(url, statement)}
    return state


# --- tests --------------------------------------------------------------------------------------------------------


def test_build_passes(built: Built) -> None:
    assert built.result.success, failures(built.result)
    ran = {r.node.name for r in built.result.result}
    assert set(MARTS) <= ran
    assert sum(1 for r in built.result.result if r.node.resource_type == "unit_test") >= 7


def test_marts_have_pyerp_columns_and_types(built: Built) -> None:
    def columns(schema: str, table: str) -> dict[str, tuple]:
        return {
            row["column_name"]: (row["data_type"], row["character_maximum_length"], row["numeric_precision"],
                                 row["numeric_scale"])
            for row in query(built.url, "select * from information_schema.columns where table_schema = %s "
                             "and table_name = %s", (schema, table))
        }  # fmt: skip

    for mart in MARTS:
        entity = ENTITIES_BY_TABLE[mart]
        target, produced = columns("pyerp", mart), columns("legacy_marts", mart)
        resolved = {fk.target_column for fk in entity.foreign_keys}
        natural = {column for fk in entity.foreign_keys for column in fk.natural_key_columns}
        outside = {"user_id", "created_by_id", "supplier_id"}  # FKs to tables outside the sync: left NULL
        wanted = set(target) - {"id", *resolved, *AUTO_NOW, *AUTO_NOW_ADD, *outside}
        assert set(produced) == wanted | natural | set(MART_ONLY), mart
        mismatched = {c: (produced[c], target[c]) for c in wanted if produced[c] != target[c]}
        assert not mismatched, (mart, mismatched)


def test_rejects_are_exactly_the_planted_defects(built: Built) -> None:
    assert actual_reasons(built.url, "rejection_reasons") == expected_rejects(built.server)
    assert actual_reasons(built.url, "warning_reasons") == set()
    for mart, (table, _) in MARTS.items():
        if mart == "products_productcategory":
            continue
        source = len(rows(built.server, table))
        valid = query(built.url, f"select count(*) as n from legacy_marts.{mart}")[0]["n"]
        rejected = sum(1 for entry in expected_rejects(built.server) if entry[0] == table)
        assert valid + rejected == source, mart


def test_mart_rows_equal_the_emulator_rows(built: Built) -> None:
    for mart, expected in expected_rows(built.server).items():
        key = MARTS[mart][1]
        columns = sorted({column for row in expected.values() for column in row})
        selected = ", ".join(f'"{c}"' for c in columns)
        statement = f"select {key} as _key, {selected} from legacy_marts.{mart} where not is_deleted"
        found = {row.pop("_key"): row for row in query(built.url, statement)}
        assert set(found) == set(expected), mart
        differences = {k: (found[k], v) for k, v in expected.items() if found[k] != v}
        assert not differences, (mart, list(differences.items())[:3])


def test_release_dates_are_midnight_berlin(built: Built) -> None:
    rows_ = query(
        built.url,
        "select release_date at time zone 'Europe/Berlin' as local, release_date at time zone 'UTC' as utc "
        "from legacy_marts.products_parentproduct where release_date is not null",
    )
    assert rows_ and all(r["local"].time().isoformat() == "00:00:00" for r in rows_)
    assert {r["utc"].hour for r in rows_} <= {22, 23}


def test_second_build_merges_only_changed_rows_and_orphans_come_back(built: Built) -> None:
    server, url = built.server, built.url
    before = mart_state(url)
    orphan = next(e["key"] for e in server.manifest if e["reason"] == "orphan_parent")
    orphan_family = next(v["Familie_"] for v in rows(server, "Artikel_Variante") if v["__KEY"] == orphan)

    changes = [
        server.update("Artikel_Variante", percent=10),
        server.update("Artikel_Familie", count=2),
        server.update("Personal", count=1),
        server.update("Werksauftraege", percent=5),
        server.insert("Artikel_Variante", count=2),
        server.insert("Werksauftraege", count=1),
        server.delete("Werksauftraege", count=1),
    ]
    conn = psycopg2.connect(url)
    try:
        for change in changes:
            land_changes(conn, server, change)
        with conn.cursor() as cur:  # the orphan's family arrives in 4D: a copy of a clean family under its key
            template = next(f["__KEY"] for f in rows(server, "Artikel_Familie") if f["__KEY"] not in
                            {e["key"] for e in server.manifest})  # fmt: skip
            cur.execute(
                'create temp table new_family as select * from legacy_raw.artikel_familie where "__KEY" = %s;'
                'update new_family set "__KEY" = %s, "Nummer" = \'7777777\', "__TIMESTAMP" = now(), '
                "created_date = '1!10!2026';"
                "insert into legacy_raw.artikel_familie select * from new_family;",
                (template, orphan_family),
            )
        conn.commit()
    finally:
        conn.close()

    result = build(built.project)
    assert result.success, failures(result)
    after = mart_state(url)

    touched: dict[str, set[str]] = {table: set() for table, _ in MARTS.values()}
    for change in changes:
        for kind in (change.inserted, change.updated, change.deleted):
            for table, keys in kind.items():
                touched.setdefault(table, set()).update(keys)
    touched["Artikel_Familie"].add(orphan_family)
    touched["Artikel_Variante"].add(orphan)
    for mart, (table, _) in MARTS.items():
        old, new = before[mart], after[mart]
        rewritten = {k for k in new if k not in old or new[k][0] != old[k][0]}
        rehashed = {k for k in new if k not in old or new[k][1] != old[k][1]}
        assert rewritten == rehashed, mart  # a merge writes exactly the rows whose content changed
        assert set(old) <= set(new), mart  # nothing is dropped: deleted rows stay, flagged
        if mart == "products_productcategory":
            assert not rehashed
        else:
            assert rehashed == touched[table], mart
    deleted = next(iter(changes[-1].deleted["Werksauftraege"]))
    assert query(url, "select is_deleted from legacy_marts.production_productionorder where legacy_key = %s",
                 (deleted,)) == [{"is_deleted": True}]  # fmt: skip
    assert query(url, "select parent_legacy_id from legacy_marts.products_variantproduct where legacy_id = %s",
                 (orphan,)) == [{"parent_legacy_id": orphan_family}]  # fmt: skip
    statement = "select rejection_reasons from legacy_staging.int_products_variantproduct_validated "
    statement += "where legacy_key = %s"
    assert query(url, statement, (orphan,)) == [{"rejection_reasons": []}]


def test_incremental_build_without_changes_writes_nothing(built: Built) -> None:
    before = mart_state(built.url)
    result = build(built.project)
    assert result.success, failures(result)
    assert mart_state(built.url) == before
