"""records.py: the raw text rendering and the Arrow page shape; catalog.py: plans and drift."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa

from extract.catalog import plan_table
from extract.records import deleted_table, entities_table, parse_legacy_date, render_text
from extract.tables import TABLES_BY_ENDPOINT


def test_json_values_render_as_raw_text() -> None:
    assert render_text("  padded ") == "  padded "
    assert render_text("") == ""
    assert render_text(None) is None
    assert render_text(5000.0) == "5000.0"
    assert render_text(12) == "12"
    assert render_text(True) == "true" and render_text(False) == "false"
    prices = {"Coll": [{"Art": "Laden", "Preis": 39.5, "VE": 1}]}
    assert render_text(prices) == '{"Coll":[{"Art":"Laden","Preis":39.5,"VE":1}]}'
    relation = {"__deferred": {"uri": "/rest/X(1)", "__KEY": "1"}}
    assert render_text(relation) == '{"__deferred":{"uri":"/rest/X(1)","__KEY":"1"}}'
    assert render_text({"Stamm_Lagerort": "Köln"}) == '{"Stamm_Lagerort":"Köln"}'


def test_legacy_dates() -> None:
    assert parse_legacy_date("4!6!1992") == date(1992, 6, 4)
    assert parse_legacy_date("15!04!1985") == date(1985, 4, 15)
    assert parse_legacy_date("0!0!0") is None
    assert parse_legacy_date("07!07!25") is None  # two-digit years are not a watermark
    assert parse_legacy_date(None) is None and parse_legacy_date("31!2!2020") is None


def test_a_page_becomes_a_typed_arrow_table() -> None:
    entities = [
        {"__KEY": "A", "__STAMP": 3, "__TIMESTAMP": "2026-10-01T06:00:00.123Z", "Name": "", "Menge": 2.0},
        {"__KEY": "B", "__STAMP": 1, "__TIMESTAMP": "not a time", "Name": None},
    ]
    table = entities_table(entities, ["Name", "Menge"], tracked=False)
    assert table.schema.field("__KEY").type == pa.string() and not table.schema.field("__KEY").nullable
    assert table.schema.field("__STAMP").type == pa.int64()
    assert table.column("__TIMESTAMP").to_pylist() == [datetime(2026, 10, 1, 6, 0, 0, 123000, tzinfo=UTC), None]
    assert table.column("Name").to_pylist() == ["", None]
    assert table.column("Menge").to_pylist() == ["2.0", None]
    assert table.column("_is_deleted").to_pylist() == [False, False]
    gone = deleted_table([{"__KEY": "A", "__STAMP": 3, "Name": "x", "Menge": "2.0"}], ["Name", "Menge"], False)
    assert gone.column("_is_deleted").to_pylist() == [True] and gone.column("_deleted_at").null_count == 0
    assert gone.schema == table.schema


def _entry(extra: list[dict] | None = None, drop: str | None = None, tracked: bool = False) -> dict:
    table = TABLES_BY_ENDPOINT["Formen"]
    attributes = [{"name": "UID", "kind": "storage", "type": "string", "identifying": True}]
    attributes += [{"name": c, "kind": "storage", "type": "string"} for c in table.columns if c != drop]
    attributes += extra or []
    if tracked:
        attributes.append({"name": "__GlobalStamp", "kind": "storage", "type": "long64"})
    return {"name": "Formen", "key": [{"name": "UID"}], "attributes": attributes}


def test_plans_follow_the_server_and_report_drift() -> None:
    table = TABLES_BY_ENDPOINT["Formen"]
    plain = plan_table(table, _entry(), None)
    assert plain.strategy == "modified_date" and plain.attributes[0] == "UID" and not plain.drift
    assert plan_table(table, _entry(tracked=True), None).strategy == "global_stamp"
    previous = {name: "string" for name in plain.attributes}
    grown = plan_table(
        table,
        _entry(
            extra=[
                {"name": "Farbe", "kind": "storage", "type": "string"},
                {"name": "viele", "kind": "relatedEntities", "type": "XSelection"},
            ]
        ),
        previous,
    )
    assert grown.attributes[-1] == "Farbe" and grown.new_attributes == ("Farbe",)
    assert any("Farbe" in d for d in grown.drift) and "viele" not in grown.attributes
    shrunk = plan_table(table, _entry(drop="Sperre"), previous)
    assert "Sperre" not in shrunk.attributes and any("Sperre" in d for d in shrunk.drift)
    retyped = plan_table(table, _entry(), {**previous, "Bemerkung": "long"})
    assert any("Bemerkung changed type long -> string" in d for d in retyped.drift)
