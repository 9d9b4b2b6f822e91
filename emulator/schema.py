"""The 18 legacy tables the emulator serves, declared once: names, 4D types, relations, row counts.

Each table's attribute order is the order the REST API serves them in. Every dataclass has the primary key ``UID``
(32-char upper-case hex, equal to ``__KEY``); business numbers are ordinary indexed attributes. Catalog types follow
4D's REST catalog: ``string`` (Alpha/Text), ``long``, ``word``, ``long64``, ``number`` (Real), ``bool``, ``date``
(served as ``d!m!yyyy``), ``duration`` (Time, served as seconds since midnight), ``object``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

Kind = Literal["storage", "relatedEntity", "relatedEntities"]
NUMERIC_TYPES = frozenset({"long", "word", "long64", "number", "duration"})


@dataclass(frozen=True)
class Attribute:
    """One attribute of a dataclass as ``$catalog`` describes it."""

    name: str
    type: str
    kind: Kind = "storage"
    indexed: bool = False
    identifying: bool = False
    unique: bool = False  # renumbered when a mutation inserts a copy of a row
    related: str | None = None  # target dataclass of a relation
    foreign_key: str | None = None  # N->1: the storage attribute the relation follows

    @property
    def is_relation(self) -> bool:
        return self.kind != "storage"


@dataclass(frozen=True)
class Reference:
    """``child.attribute`` holds ``parent.parent_attribute`` of another row.

    ``composition``: the child belongs to its parent (sales lines, order positions, box slots, mold articles): a
    change to the child touches the parent, deleting the parent deletes the child, and ``position`` numbers the
    children within one parent. ``owner``: the parent row exists for this child only (a customer's address), so
    inserting the parent inserts a child, and deleting the last child deletes the parent.
    """

    child: str
    attribute: str
    parent: str
    parent_attribute: str
    composition: bool = False
    position: str | None = None
    owner: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    number: int
    rows_at_scale_1: int
    min_rows: int
    business_key: str
    attributes: tuple[Attribute, ...]
    mutable: tuple[str, ...] = field(default=())  # attributes a business "update" changes
    scales: bool = True  # False: configuration table with a fixed row count

    @cached_property
    def attribute_names(self) -> tuple[str, ...]:
        return tuple(attribute.name for attribute in self.attributes)

    @cached_property
    def by_name(self) -> dict[str, Attribute]:
        return {attribute.name: attribute for attribute in self.attributes}

    @cached_property
    def has_audit(self) -> bool:
        return "modified_date" in self.by_name

    def row_count(self, scale: float) -> int:
        if not self.scales:
            return self.rows_at_scale_1
        return max(self.min_rows, round(self.rows_at_scale_1 * scale))


def _attr(type_: str):
    def make(name: str, **options) -> Attribute:
        return Attribute(name=name, type=type_, **options)

    return make


text, long, word, real, boolean, date, time, obj = map(
    _attr, ("string", "long", "word", "number", "bool", "date", "duration", "object")
)


def related(name: str, target: str, foreign_key: str | None = None) -> Attribute:
    return Attribute(name=name, type=target, kind="relatedEntity", related=target, foreign_key=foreign_key)


def related_many(name: str, target: str) -> Attribute:
    return Attribute(name=name, type=f"{target}Selection", kind="relatedEntities", related=target)


UID = Attribute(name="UID", type="string", indexed=True, identifying=True)
AUDIT = (
    text("created_name"), date("created_date"), time("created_time"),
    text("modified_name"), date("modified_date", indexed=True), time("modified_time"),
)  # fmt: skip
GLOBAL_STAMP = Attribute(name="__GlobalStamp", type="long64", indexed=True)


def _table(name, number, rows, min_rows, key, fields, audit=True, mutable=(), scales=True) -> Table:
    attributes = (UID, *fields, *(AUDIT if audit else ()))
    return Table(name, number, rows, min_rows, key, attributes, tuple(mutable), scales)


TABLES: tuple[Table, ...] = (
    _table("ArtikelGruppe", 1, 40, 6, "ArtGr", (
        text("ArtGr", indexed=True, unique=True), text("Bezeichnung"), text("Beschreibung"), text("Ober_ArtGr"),
    ), mutable=("Beschreibung",)),
    _table("Artikel_Familie", 2, 1_600, 12, "Nummer", (
        text("Nummer", indexed=True, unique=True), text("Bezeichnung"), text("Bezeichnung_ENG"),
        text("Beschreibung"), text("Beschreibung_ENG"), text("Beschreibung_kurz"), text("Beschreibung_kurz_ENG"),
        long("Gewicht"), text("Masse_Breite"), text("Masse_Hoehe"), text("Masse_Tiefe"), text("ArtGr", indexed=True),
        boolean("Haengend"), boolean("Einseitig"), text("Neu"), date("Release_date"), boolean("aktiv"),
    ), mutable=("Beschreibung_kurz", "Gewicht", "aktiv")),
    _table("Artikel_Variante", 3, 4_300, 30, "Nummer", (
        long("Nummer", indexed=True, unique=True), text("alteNummer", indexed=True, unique=True),
        text("fk_ArtNr", indexed=True), text("ArtikelArt"), long("refOld", indexed=True, unique=True),
        text("Familie_", indexed=True), text("Bezeichnung"), text("Bezeichnung_ENG"), text("Beschreibung"),
        text("Bez_kurz"), real("Gewicht"), text("Farbe"), text("Groesse"), word("Verkaufsartikel"), boolean("neu"),
        date("Release_date"), date("Release_Date"), date("Auslaufdatum"), boolean("Aktiv"), obj("Preise"),
    ), mutable=("Preise", "Aktiv", "Auslaufdatum")),
    _table("Kunden", 4, 20_000, 12, "KundenNr", (
        long("KundenNr", indexed=True, unique=True), long("AdrNr", indexed=True), text("Kundengr"),
        text("Liefersperre"), word("Preisgru"), text("USt_IdNr"), text("Zahlungsart"), text("Versandart"),
        text("Kreditlimit"), real("Rabatt"), word("SkontoTage"), word("NettoTage"),
    ), mutable=("Rabatt", "Kreditlimit", "Versandart")),
    _table("Adressen", 5, 21_000, 14, "AdrNr", (
        long("AdrNr", indexed=True, unique=True), text("Anrede"), text("Vorname"), text("Name1"), text("Name2"),
        text("Strasse"), text("Land"), text("PLZ"), text("Ort"), text("Telefon"), text("Fax"), text("e_Mail"),
        text("Ansprechp"), text("Briefanrede"),
    ), mutable=("Telefon", "e_Mail", "Ansprechp")),
    _table("Belege", 6, 100_000, 30, "AbsNr", (
        long("AbsNr", indexed=True, unique=True), text("Papierart"), long("KundenNr", indexed=True),
        date("Datum", indexed=True), long("PapierNr", unique=True), word("Bearbeiter"), word("Preisgruppe"),
        real("Rabatt"), text("Zahlungsart_A"), text("Versandart"), text("MWSt_Art"), real("Frachtkosten"),
        real("Bearbeitungskos"), real("Netto"), real("MWST_EUR"), real("Endbetrag"), text("Lief_Adr"),
        text("Rech_Adr"), word("SkontoTage"), real("Skonto_G"), word("NettoTage"), real("ZahlungBetrag"),
        date("ZahlungsDat"), boolean("bezahlt"), text("Währung"), text("Text"),
    ), mutable=("bezahlt", "Text", "Versandart")),
    _table("Belege_Pos", 7, 400_000, 60, "AbsNr+PosNr", (
        long("AbsNr", indexed=True), word("PosNr"), text("ArtNr", indexed=True), text("Bezeichnung"),
        real("Menge"), real("Preis"), real("Rabatt"), real("Pos_Betrag"), text("Art"), real("Pick_Menge"),
        boolean("Picking_ok"), boolean("PreOrder"), text("Anmerkung"), date("Termin"),
    ), audit=False, mutable=("Menge", "Pick_Menge", "Picking_ok")),
    _table("Personal", 8, 150, 5, "Pers_Nr", (
        long("Pers_Nr", indexed=True, unique=True), text("Name"), text("Vorname"), text("Straße"), text("PLZ"),
        text("Ort"), text("eMail"), text("Telefon"), text("Telefon2"), real("Arb_Std_Wo"), real("Arb_Std_Tag"),
        boolean("anwesend"), text("ausgeschieden"), date("GebDatum"), date("Eintrittsdatum"),
        date("Austrittsdatum"), text("Geh_code"), real("Jahres_Gehalt"), real("Monatsgehalt"), real("Brutto_lohn"),
        word("Jahrs_Urlaub"), text("AD_Name"),
    ), mutable=("anwesend", "Telefon2", "Jahres_Gehalt")),
    _table("Stamm_Lagerorte", 9, 923, 6, "ID_Lagerort", (
        long("ID_Lagerort", indexed=True, unique=True), text("Lagerort"), text("Land_LKZ"), text("Ort_Gebaeude"),
        word("Regal"), word("Fach"), word("Boden"), boolean("Abverkauf"), boolean("Sonderlager"),
        boolean("Schuette"), real("X"), real("Y"), real("Z"), boolean("Packed"), text("Attribut"),
    ), mutable=("Abverkauf", "Sonderlager")),
    _table("parameter", 10, 12, 12, "scope", (
        text("scope", indexed=True), obj("data_"),
    ), mutable=("data_",), scales=False),
    _table("Stamm_Lager_Schuetten", 11, 4_200, 6, "ID", (
        long("ID", indexed=True, unique=True), text("Schuettencode", unique=True), text("Schuettentyp"),
        text("UUID_Stamm_Lagerorte", indexed=True), text("Schuettenzweck"), text("Barcode", unique=True),
        text("Bemerkung"), word("max_Anzahl_Slots"), obj("data_"), text("Druckdatum"), time("Druckzeit"),
        related("Relation_93", "Stamm_Lagerorte", foreign_key="UUID_Stamm_Lagerorte"),
        related_many("viele_schuetten", "Lager_Schuetten"),
    ), mutable=("Bemerkung", "Schuettenzweck")),
    _table("Stamm_Lager_Schuetten_Slots", 12, 4_600, 10, "ID", (
        long("ID", indexed=True, unique=True), long("ID_Lager_Schuetten_Slots", indexed=True), word("Lfd_Nr"),
        long("Auftrags_Nr"), obj("data_"),
        related("viele_zu_eins", "Stamm_Lager_Schuetten", foreign_key="ID_Lager_Schuetten_Slots"),
    ), audit=False, mutable=("Auftrags_Nr",)),
    _table("Artikel_Lagerorte", 13, 3_100, 8, "UUID", (
        text("UUID", indexed=True, unique=True), long("ID_Artikel_Stamm", indexed=True),
        text("UUID_Stamm_Lagerorte", indexed=True), real("Bestand"), boolean("Reserved"), long("Auftrags_Nr"),
    ), mutable=("Bestand", "Reserved")),
    _table("Lager_Schuetten", 14, 6_000, 8, "ID", (
        long("ID", indexed=True, unique=True), long("ID_Stamm_Lager_Schuetten", indexed=True),
        text("UUID_Artikel_Lagerorte", indexed=True),
        related("Relation_95_zurueck", "Stamm_Lager_Schuetten_Slots"), real("Menge"), text("Chargen_Nr"),
        text("Ablaufdatum"), obj("data_"),
    ), mutable=("Menge",)),
    _table("Werksauftraege", 15, 5_000, 8, "WerkAufNr", (
        long("WerkAufNr", indexed=True, unique=True), long("Form_Nr", indexed=True), long("Stückzahl"),
        text("Status"), date("eingestellt"), date("Termin"), word("Prio"), text("UUID", unique=True),
        text("linked_Form"),
    ), mutable=("Status", "Prio", "Termin")),
    _table("WerksauftrPos", 16, 15_000, 16, "W_Auftr_Nr+WAP_Nr", (
        long("W_Auftr_Nr", indexed=True), word("WAP_Nr"), text("Arbeitsgang"), long("St_Soll"), long("St_Haben"),
        long("St_Rest"), date("Datum_begin"), text("Status"), text("Art_Nr", indexed=True), real("Anteil"),
        long("Zeit"), real("St_Std"), real("Wert"), text("UUID", unique=True), text("linked_Kostenstelle"),
        text("linked_Form_Artikel"),
    ), audit=False, mutable=("St_Haben", "Status")),
    _table("Formen", 17, 800, 6, "FormNr", (
        long("FormNr", indexed=True, unique=True), text("Bezeichnung"), text("Lagerort"), boolean("Sperre"),
        text("Bemerkung"),
    ), mutable=("Sperre", "Bemerkung")),
    _table("Form_Artikel", 18, 2_500, 10, "__KEY", (
        text("Art_Nr", indexed=True), long("FormNr", indexed=True), word("Anzahl"), real("Gewichtung"),
    ), audit=False, mutable=("Anzahl", "Gewichtung")),
)  # fmt: skip

DELETED_RECORDS = Table(
    "__DeletedRecords", 19, 0, 0, "ID",
    (
        Attribute(name="ID", type="long64", indexed=True, identifying=True), text("__PrimaryKey"),
        Attribute(name="__Stamp", type="long64", indexed=True), text("__TableName"), long("__TableNumber"),
    ),
)  # fmt: skip

REFERENCES: tuple[Reference, ...] = (
    Reference("ArtikelGruppe", "Ober_ArtGr", "ArtikelGruppe", "ArtGr"),
    Reference("Artikel_Familie", "ArtGr", "ArtikelGruppe", "ArtGr"),
    Reference("Artikel_Variante", "Familie_", "Artikel_Familie", "UID"),
    Reference("Kunden", "AdrNr", "Adressen", "AdrNr", owner=True),
    Reference("Belege", "KundenNr", "Kunden", "KundenNr"),
    Reference("Belege_Pos", "AbsNr", "Belege", "AbsNr", composition=True, position="PosNr"),
    Reference("Belege_Pos", "ArtNr", "Artikel_Variante", "alteNummer"),
    Reference("Stamm_Lager_Schuetten", "UUID_Stamm_Lagerorte", "Stamm_Lagerorte", "UID"),
    Reference(
        "Stamm_Lager_Schuetten_Slots", "ID_Lager_Schuetten_Slots", "Stamm_Lager_Schuetten", "ID",
        composition=True, position="Lfd_Nr",
    ),
    Reference("Artikel_Lagerorte", "ID_Artikel_Stamm", "Artikel_Variante", "refOld"),
    Reference("Artikel_Lagerorte", "UUID_Stamm_Lagerorte", "Stamm_Lagerorte", "UID"),
    Reference("Lager_Schuetten", "ID_Stamm_Lager_Schuetten", "Stamm_Lager_Schuetten", "ID"),
    Reference("Lager_Schuetten", "UUID_Artikel_Lagerorte", "Artikel_Lagerorte", "UUID"),
    Reference("Lager_Schuetten", "Relation_95_zurueck", "Stamm_Lager_Schuetten_Slots", "UID"),
    Reference("Werksauftraege", "Form_Nr", "Formen", "FormNr"),
    Reference("Werksauftraege", "linked_Form", "Formen", "UID"),
    Reference("WerksauftrPos", "W_Auftr_Nr", "Werksauftraege", "WerkAufNr", composition=True, position="WAP_Nr"),
    Reference("WerksauftrPos", "Art_Nr", "Artikel_Variante", "fk_ArtNr"),
    Reference("WerksauftrPos", "linked_Form_Artikel", "Form_Artikel", "UID"),
    Reference("Form_Artikel", "FormNr", "Formen", "FormNr", composition=True),
    Reference("Form_Artikel", "Art_Nr", "Artikel_Variante", "fk_ArtNr"),
)  # fmt: skip

TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}


def composition_parent(table_name: str) -> Reference | None:
    """The reference through which a child table belongs to its parent, if it is a child table."""
    return next((r for r in REFERENCES if r.child == table_name and r.composition), None)
