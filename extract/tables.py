"""The registry: every legacy 4D table the sync lands, declared once.

Adding a table is one entry here. Each entry says which 4D dataclass it is (``endpoint``), the dlt resource and raw
table name (``resource``, snake_case of the 4D name), how it is extracted incrementally, its page size, the 4D
attributes it carries, and the pyERP tables its rows reach through dbt, first the one it is the main source of (so
``run --only products_variantproduct`` knows what to extract, and a change in it rebuilds every pyERP table it
feeds; a guard test checks this list against dbt's lineage). The key is not declared: raw rows are merged by
``__KEY``, and pages are ordered by the primary key the server's ``$catalog`` names.

Raw columns keep the 4D attribute names verbatim (dlt's ``direct`` naming convention): ``Release_date`` and
``Release_Date`` stay two columns, ``Währung`` keeps its umlaut, ``__KEY`` stays ``__KEY``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Strategy = Literal["global_stamp", "modified_date", "children_of", "full"]

AUDIT_COLUMNS = ("created_name", "created_date", "created_time", "modified_name", "modified_date", "modified_time")


@dataclass(frozen=True)
class ParentLink:
    """How a child row without dates finds its parent: ``child.child_column = parent.parent_column``.

    The link values are keys: compared as the text 4D sent, and sent back to 4D typed as the child attribute's
    catalog type says (a number for a Longint ``AbsNr IN [1,2]``, quoted and escaped for a text or UUID key
    ``AbsNr IN ['7464FE…']``), never read as a number on a guess."""

    child_column: str
    parent_column: str


@dataclass(frozen=True)
class Table:
    resource: str
    endpoint: str
    strategy: Strategy
    columns: tuple[str, ...]
    feeds: tuple[str, ...]
    parent: str | None = None
    parent_link: ParentLink | None = None
    page_size: int = 5000

    def __post_init__(self) -> None:
        if (self.strategy == "children_of") != (self.parent is not None and self.parent_link is not None):
            raise ValueError(f"{self.resource}: children_of needs a parent and a parent_link, and only it does")
        if self.strategy == "modified_date" and "modified_date" not in self.columns:
            raise ValueError(f"{self.resource}: modified_date strategy on a table without modified_date")


# fmt: off
TABLES: tuple[Table, ...] = (
    Table(
        resource="artikel_gruppe",
        endpoint="ArtikelGruppe",
        strategy="modified_date",
        columns=("ArtGr", "Bezeichnung", "Beschreibung", "Ober_ArtGr", *AUDIT_COLUMNS),
        feeds=("products_productcategory",),
    ),
    Table(
        resource="artikel_familie",
        endpoint="Artikel_Familie",
        strategy="modified_date",
        columns=(
            "Nummer", "Bezeichnung", "Bezeichnung_ENG", "Beschreibung", "Beschreibung_ENG", "Beschreibung_kurz",
            "Beschreibung_kurz_ENG", "Gewicht", "Masse_Breite", "Masse_Hoehe", "Masse_Tiefe", "ArtGr", "Haengend",
            "Einseitig", "Neu", "Release_date", "aktiv", *AUDIT_COLUMNS,
        ),
        feeds=("products_parentproduct", "products_productcategory"),
    ),
    Table(
        resource="artikel_variante",
        endpoint="Artikel_Variante",
        strategy="modified_date",
        columns=(
            "Nummer", "alteNummer", "fk_ArtNr", "ArtikelArt", "refOld", "Familie_", "Bezeichnung", "Bezeichnung_ENG",
            "Beschreibung", "Bez_kurz", "Gewicht", "Farbe", "Groesse", "Verkaufsartikel", "neu", "Release_date",
            "Release_Date", "Auslaufdatum", "Aktiv", "Preise", *AUDIT_COLUMNS,
        ),
        # after the variants: parents take their base SKUs from them, production rows look articles up in them
        feeds=(
            "products_variantproduct",
            "products_parentproduct",
            "production_productionorderitem",
            "production_moldproduct",
        ),
    ),
    Table(
        resource="kunden",
        endpoint="Kunden",
        strategy="modified_date",
        columns=(
            "KundenNr", "AdrNr", "Kundengr", "Liefersperre", "Preisgru", "USt_IdNr", "Zahlungsart", "Versandart",
            "Kreditlimit", "Rabatt", "SkontoTage", "NettoTage", *AUDIT_COLUMNS,
        ),
        feeds=("sales_customer",),
    ),
    Table(
        resource="adressen",
        endpoint="Adressen",
        strategy="modified_date",
        columns=(
            "AdrNr", "Anrede", "Vorname", "Name1", "Name2", "Strasse", "Land", "PLZ", "Ort", "Telefon", "Fax",
            "e_Mail", "Ansprechp", "Briefanrede", *AUDIT_COLUMNS,
        ),
        feeds=("sales_address", "sales_customer"),
    ),
    Table(
        resource="belege",
        endpoint="Belege",
        strategy="modified_date",
        columns=(
            "AbsNr", "Papierart", "KundenNr", "Datum", "PapierNr", "Bearbeiter", "Preisgruppe", "Rabatt",
            "Zahlungsart_A", "Versandart", "MWSt_Art", "Frachtkosten", "Bearbeitungskos", "Netto", "MWST_EUR",
            "Endbetrag", "Lief_Adr", "Rech_Adr", "SkontoTage", "Skonto_G", "NettoTage", "ZahlungBetrag",
            "ZahlungsDat", "bezahlt", "Währung", "Text", *AUDIT_COLUMNS,
        ),
        feeds=(
            "sales_salesrecord", "sales_paymentterms", "sales_paymentmethod", "sales_shippingmethod", "sales_address",
        ),
        page_size=10000,
    ),
    Table(
        resource="belege_pos",
        endpoint="Belege_Pos",
        strategy="children_of",
        parent="belege",
        parent_link=ParentLink(child_column="AbsNr", parent_column="AbsNr"),
        columns=(
            "AbsNr", "PosNr", "ArtNr", "Bezeichnung", "Menge", "Preis", "Rabatt", "Pos_Betrag", "Art", "Pick_Menge",
            "Picking_ok", "PreOrder", "Anmerkung", "Termin",
        ),
        feeds=("sales_salesrecorditem",),
        page_size=10000,
    ),
    Table(
        resource="personal",
        endpoint="Personal",
        strategy="modified_date",
        columns=(
            "Pers_Nr", "Name", "Vorname", "Straße", "PLZ", "Ort", "eMail", "Telefon", "Telefon2", "Arb_Std_Wo",
            "Arb_Std_Tag", "anwesend", "ausgeschieden", "GebDatum", "Eintrittsdatum", "Austrittsdatum", "Geh_code",
            "Jahres_Gehalt", "Monatsgehalt", "Brutto_lohn", "Jahrs_Urlaub", "AD_Name", *AUDIT_COLUMNS,
        ),
        feeds=("business_employee",),
    ),
    Table(
        resource="stamm_lagerorte",
        endpoint="Stamm_Lagerorte",
        strategy="modified_date",
        columns=(
            "ID_Lagerort", "Lagerort", "Land_LKZ", "Ort_Gebaeude", "Regal", "Fach", "Boden", "Abverkauf",
            "Sonderlager", "Schuette", "X", "Y", "Z", "Packed", "Attribut", *AUDIT_COLUMNS,
        ),
        feeds=("inventory_storagelocation",),
    ),
    Table(
        resource="parameter",
        endpoint="parameter",
        strategy="full",
        columns=("scope", "data_", *AUDIT_COLUMNS),
        feeds=("inventory_boxtype",),
    ),
    Table(
        resource="stamm_lager_schuetten",
        endpoint="Stamm_Lager_Schuetten",
        strategy="modified_date",
        columns=(
            "ID", "Schuettencode", "Schuettentyp", "UUID_Stamm_Lagerorte", "Schuettenzweck", "Barcode", "Bemerkung",
            "max_Anzahl_Slots", "data_", "Druckdatum", "Druckzeit", "Relation_93", *AUDIT_COLUMNS,
        ),
        feeds=("inventory_box",),
    ),
    Table(
        resource="stamm_lager_schuetten_slots",
        endpoint="Stamm_Lager_Schuetten_Slots",
        strategy="children_of",
        parent="stamm_lager_schuetten",
        parent_link=ParentLink(child_column="ID_Lager_Schuetten_Slots", parent_column="ID"),
        columns=("ID", "ID_Lager_Schuetten_Slots", "Lfd_Nr", "Auftrags_Nr", "data_", "viele_zu_eins"),
        feeds=("inventory_boxslot",),
    ),
    Table(
        resource="artikel_lagerorte",
        endpoint="Artikel_Lagerorte",
        strategy="modified_date",
        columns=(
            "UUID", "ID_Artikel_Stamm", "UUID_Stamm_Lagerorte", "Bestand", "Reserved", "Auftrags_Nr", *AUDIT_COLUMNS,
        ),
        feeds=("inventory_productstorage",),
    ),
    Table(
        resource="lager_schuetten",
        endpoint="Lager_Schuetten",
        strategy="modified_date",
        columns=(
            "ID", "ID_Stamm_Lager_Schuetten", "UUID_Artikel_Lagerorte", "Relation_95_zurueck", "Menge", "Chargen_Nr",
            "Ablaufdatum", "data_", *AUDIT_COLUMNS,
        ),
        feeds=("inventory_boxstorage",),
    ),
    Table(
        resource="werksauftraege",
        endpoint="Werksauftraege",
        strategy="modified_date",
        columns=(
            "WerkAufNr", "Form_Nr", "Stückzahl", "Status", "eingestellt", "Termin", "Prio", "UUID", "linked_Form",
            *AUDIT_COLUMNS,
        ),
        feeds=("production_productionorder",),
    ),
    Table(
        resource="werksauftr_pos",
        endpoint="WerksauftrPos",
        strategy="children_of",
        parent="werksauftraege",
        parent_link=ParentLink(child_column="W_Auftr_Nr", parent_column="WerkAufNr"),
        columns=(
            "W_Auftr_Nr", "WAP_Nr", "Arbeitsgang", "St_Soll", "St_Haben", "St_Rest", "Datum_begin", "Status", "Art_Nr",
            "Anteil", "Zeit", "St_Std", "Wert", "UUID", "linked_Kostenstelle", "linked_Form_Artikel",
        ),
        feeds=("production_productionorderitem",),
    ),
    Table(
        resource="formen",
        endpoint="Formen",
        strategy="modified_date",
        columns=("FormNr", "Bezeichnung", "Lagerort", "Sperre", "Bemerkung", *AUDIT_COLUMNS),
        feeds=("production_mold", "production_productionorder"),  # orders name their mold
    ),
    Table(
        resource="form_artikel",
        endpoint="Form_Artikel",
        strategy="children_of",
        parent="formen",
        parent_link=ParentLink(child_column="FormNr", parent_column="FormNr"),
        columns=("Art_Nr", "FormNr", "Anzahl", "Gewichtung"),
        feeds=("production_moldproduct",),
    ),
)
# fmt: on

TABLES_BY_RESOURCE: dict[str, Table] = {table.resource: table for table in TABLES}
TABLES_BY_ENDPOINT: dict[str, Table] = {table.endpoint: table for table in TABLES}


def table_for_endpoint(endpoint: str) -> Table:
    """The registry entry of a 4D table name (``Artikel_Variante``); a clear error for an unknown one."""
    try:
        return TABLES_BY_ENDPOINT[endpoint]
    except KeyError:
        known = ", ".join(sorted(TABLES_BY_ENDPOINT))
        raise KeyError(f"unknown 4D table {endpoint!r}; the registry has: {known}") from None


def tables_feeding(pyerp_tables: set[str]) -> tuple[Table, ...]:
    """The 4D tables that feed any of the given pyERP tables, parents first (registry order)."""
    return tuple(table for table in TABLES if pyerp_tables.intersection(table.feeds))
