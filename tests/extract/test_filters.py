"""filters.py: exact 4D syntax, escaping, date rules, URL-sized IN batches."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import unquote

import pytest

from extract.filters import MAX_ENCODED_FILTER_CHARS, And, Eq, Ge, Gt, In, Le, Lt, Ne, Or, all_of, batched_in


def test_documented_syntax_exactly() -> None:
    key = "7464FEB39C516942B01E62F44B1ED454"
    assert Eq("Familie_", key).render() == f"Familie_ = '{key}'"
    assert Ge("modified_date", date(2026, 10, 1)).render() == "modified_date >= '2026-10-01'"
    assert Le("modified_date", date(2026, 1, 2)).render() == "modified_date <= '2026-01-02'"
    assert In("AbsNr", [1, 2]).render() == "AbsNr IN [1,2]"
    assert In("Nummer", ["A1", 7, 2.5, True, None]).render() == "Nummer IN ['A1',7,2.5,true,null]"
    assert Ge("__GlobalStamp", 42).render() == "__GlobalStamp >= 42"
    assert Gt("UID", "AB").render() == "UID > 'AB'"
    assert Ne("Status", "D").render() == "Status != 'D'"
    assert Lt("Menge", 0).render() == "Menge < 0"
    assert And(Ge("__Stamp", 5), Eq("__TableName", "Belege")).render() == "__Stamp >= 5 AND __TableName = 'Belege'"
    assert And(Or(Eq("a", 1), Eq("b", 2)), Eq("c", 3)).render() == "(a = 1 OR b = 2) AND c = 3"
    assert str(Eq("Währung", "DM")) == "Währung = 'DM'"


def test_quotes_in_values_are_escaped_as_4d_documents() -> None:
    assert Eq("Name1", "O'Reilly").render() == "Name1 = 'O\\u0027Reilly'"
    assert Eq("Name1", 'say "hi"').render() == "Name1 = 'say \\u0022hi\\u0022'"
    hostile = Eq("Nummer", "x' OR Nummer != 'y")
    assert hostile.render().count("'") == 2  # the value cannot close its quotes
    assert In("Name1", ["a'b", 'c"d']).render() == "Name1 IN ['a\\u0027b','c\\u0022d']"


def test_refuses_what_would_change_the_query_or_fail_on_the_server() -> None:
    with pytest.raises(TypeError, match="only >= and <="):
        Gt("modified_date", date(2026, 1, 1))
    with pytest.raises(TypeError, match="only >= and <="):
        Lt("Datum", date(2026, 1, 1))
    with pytest.raises(TypeError):
        Ge("modified_date", datetime(2026, 1, 1, 12))
    with pytest.raises(ValueError, match="wildcard"):
        Eq("Name1", "A@")
    for bad in ("a b", "x;y", "a'", "1abc", "a) OR (b"):
        with pytest.raises(ValueError, match="attribute"):
            Eq(bad, 1)
    with pytest.raises(ValueError):
        In("AbsNr", [])


def test_encoded_form_leaves_nothing_unescaped() -> None:
    encoded = And(Ge("modified_date", date(2026, 1, 1)), In("AbsNr", [1, 2])).encoded()
    assert " " not in encoded and "'" not in encoded and "&" not in encoded and "=" not in encoded
    assert unquote(encoded) == "modified_date >= '2026-01-01' AND AbsNr IN [1,2]"


def test_in_lists_are_batched_to_keep_urls_well_under_8_kb() -> None:
    keys = [f"{n:032X}" for n in range(2000)]
    batches = list(batched_in("UID", keys + keys[:10]))
    assert len(batches) > 1
    assert all(len(batch.encoded()) <= MAX_ENCODED_FILTER_CHARS for batch in batches)
    assert [v for batch in batches for v in batch.values] == keys  # every value once, in order
    assert list(batched_in("AbsNr", [])) == []
    assert all_of(None, Eq("a", 1), None) == Eq("a", 1)
    assert all_of(None) is None
