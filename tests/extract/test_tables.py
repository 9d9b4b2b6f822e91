"""The registry: the 18 tables of contracts.md, declared once, parents before children."""

from __future__ import annotations

import pytest

from extract.pipeline import resolve_tables
from extract.tables import TABLES, TABLES_BY_RESOURCE

CONTRACT_TABLES = {
    "ArtikelGruppe", "Artikel_Familie", "Artikel_Variante", "Kunden", "Adressen", "Belege", "Belege_Pos", "Personal",
    "Stamm_Lagerorte", "parameter", "Stamm_Lager_Schuetten", "Stamm_Lager_Schuetten_Slots", "Artikel_Lagerorte",
    "Lager_Schuetten", "Werksauftraege", "WerksauftrPos", "Formen", "Form_Artikel",
}  # fmt: skip


def test_registry_is_the_contract_list_with_parents_first() -> None:
    assert {t.endpoint for t in TABLES} == CONTRACT_TABLES and len(TABLES) == 18
    assert len({t.resource for t in TABLES}) == 18
    order = [t.resource for t in TABLES]
    for table in TABLES:
        if table.parent:
            assert order.index(table.parent) < order.index(table.resource)
            assert table.parent_link.parent_column in TABLES_BY_RESOURCE[table.parent].columns
            assert table.parent_link.child_column in table.columns


def test_resolve_tables_brings_parents_and_names_the_known_tables() -> None:
    assert [t.endpoint for t in resolve_tables(["Belege_Pos"])] == ["Belege", "Belege_Pos"]
    assert resolve_tables(None) == TABLES
    with pytest.raises(KeyError, match="Artikel_Variante"):
        resolve_tables(["Artikel"])
