"""Legacy value spellings (``legacy-tables.md``): unpadded ``d!m!yyyy`` dates, ``0!0!0``, padded text, booleans and
numbers written several ways. Every helper draws from the caller's ``random.Random`` so a seed fixes the result."""

from __future__ import annotations

import random
from datetime import date

from emulator.clock import berlin_local

EMPTY_DATE = "0!0!0"
_date_strings: dict[tuple[int, int, int, bool], str] = {}


def format_legacy_date(year: int, month: int, day: int, padded: bool = False) -> str:
    """``4!6!1992`` (4D's REST form), or ``04!06!1992`` when ``padded``; one shared string per value."""
    cache_key = (year, month, day, padded)
    text = _date_strings.get(cache_key)
    if text is None:
        text = f"{day:02d}!{month:02d}!{year}" if padded else f"{day}!{month}!{year}"
        _date_strings[cache_key] = text
    return text


def legacy_date(rng: random.Random, day: date | None) -> str:
    """A Date attribute's value: mostly unpadded, about 5 % zero-padded; ``0!0!0`` for no date."""
    if day is None:
        return EMPTY_DATE
    return format_legacy_date(day.year, day.month, day.day, rng.random() < 0.05)


def legacy_date_at(rng: random.Random, epoch_ms: int) -> tuple[str, int]:
    """(the local date as served, seconds since local midnight) of an instant, as the ERP's audit columns hold it."""
    year, month, day, seconds = berlin_local(epoch_ms)
    return format_legacy_date(year, month, day, rng.random() < 0.05), seconds


def parse_legacy_date(text: str | None) -> date | None:
    """The calendar date of a served ``d!m!yyyy`` value; None for ``0!0!0`` or null."""
    if not text or text == EMPTY_DATE:
        return None
    day, month, year = (int(part) for part in text.split("!"))
    return date(year, month, day)


def two_digit_year_date(day: date) -> str:
    """``DD!MM!YY`` (Alpha field, e.g. ``Druckdatum``)."""
    return f"{day.day:02d}!{day.month:02d}!{day.year % 100:02d}"


TRUE_SPELLINGS = ("1", "TRUE", "true", " Y ", "YES", "y", "T", "ja")
FALSE_SPELLINGS = ("0", "FALSE", "false", "N", "NO", "n", "", "nein")


def boolean_text(rng: random.Random, value: bool) -> str:
    """A boolean stored in an Alpha field, in one of the spellings the legacy data uses."""
    spellings = TRUE_SPELLINGS if value else FALSE_SPELLINGS
    return spellings[int(rng.random() * len(spellings))]


def number_text(rng: random.Random, value: float) -> str:
    """A number stored in an Alpha field: ``5000``, ``5000.00``, ``1,234.56`` or ``5000.0``."""
    draw = rng.random()
    if draw < 0.4:
        return f"{value:.2f}"
    if draw < 0.6:
        return f"{value:,.2f}"
    if draw < 0.85 and value == int(value):
        return str(int(value))
    return repr(float(value))


def padded_text(rng: random.Random, text: str) -> str:
    """Some legacy text fields are padded: ``Obstkorb    rund``, trailing blanks."""
    draw = rng.random()
    if draw < 0.06:
        return text.replace(" ", "    ", 1)
    if draw < 0.1:
        return text + "   "
    return text


def pick(rng: random.Random, items):
    return items[int(rng.random() * len(items))]


def new_key(rng: random.Random) -> str:
    """A 32-char upper-case hex UUID, as 4D's UUID primary keys."""
    return f"{rng.getrandbits(128):032X}"


FIRST_NAMES = (
    "Anna", "Bernd", "Claudia", "Dieter", "Elke", "Frank", "Gabi", "Hans", "Ingrid", "Jürgen", "Karin", "Lutz",
    "Monika", "Norbert", "Olga", "Peter", "Renate", "Stefan", "Tanja", "Uwe", "Vera", "Wolfgang", "Xaver", "Yvonne",
    "Zoë", "Günther", "Jörg", "Sabine", "Michael", "Petra", "Thomas", "Ursula", "Andreas", "Birgit", "Christian",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Huber",
    "Mayer", "Herrmann", "Köhler", "Walter", "König", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller",
)  # fmt: skip
COMPANY_WORDS = (
    "Blumen", "Garten", "Wohnen", "Deko", "Floristik", "Handel", "Gärtnerei", "Raumkunst", "Geschenke", "Markt",
)  # fmt: skip
COMPANY_FORMS = ("GmbH", "KG", "GmbH & Co. KG", "e.K.", "OHG", "AG", "")
STREETS = (
    "Hauptstraße", "Bahnhofstr.", "Gartenweg", "Schulstraße", "Dorfstr.", "Lindenallee", "Am Markt", "Kirchplatz",
    "Bergstraße", "Waldweg", "Mühlenweg", "Rosenstraße", "Industriestr.", "Ammerseestraße", "Münchner Str.",
)  # fmt: skip
CITIES = (
    ("86911", "Dießen am Ammersee"), ("80331", "München"), ("20095", "Hamburg"), ("10115", "Berlin"),
    ("50667", "Köln"), ("60311", "Frankfurt am Main"), ("70173", "Stuttgart"), ("04109", "Leipzig"),
    ("01067", "Dresden"), ("90402", "Nürnberg"), ("28195", "Bremen"), ("30159", "Hannover"), ("44135", "Dortmund"),
    ("86150", "Augsburg"), ("93047", "Regensburg"), ("79098", "Freiburg im Breisgau"), ("24103", "Kiel"),
)  # fmt: skip
FOREIGN_CITIES = (
    ("AT", "1010", "Wien"),
    ("AT", "5020", "Salzburg"),
    ("CH", "8001", "Zürich"),
    ("NL", "1011", "Amsterdam"),
)
GERMANY_SPELLINGS = ("DE",) * 14 + ("D", "DEU", "Deutschland", "GERMANY", "de", "GER", "")
COUNTRY_SPELLINGS = {"AT": ("AT", "Österreich", "AUT", "A"), "CH": ("CH", "Schweiz", "CHE"), "NL": ("NL", "NLD")}

PRODUCT_WORDS = (
    ("Obstkorb", "Fruit basket"), ("Schale", "Bowl"), ("Vase", "Vase"), ("Kerzenhalter", "Candle holder"),
    ("Übertopf", "Planter"), ("Korb", "Basket"), ("Tablett", "Tray"), ("Windlicht", "Lantern"),
    ("Laterne", "Lantern"), ("Blumenkasten", "Flower box"), ("Pflanzschale", "Plant bowl"),
    ("Brotkorb", "Bread basket"), ("Etagere", "Tiered stand"), ("Wandregal", "Wall shelf"), ("Schüssel", "Dish"),
    ("Krug", "Jug"), ("Ampel", "Hanging pot"), ("Kranz", "Wreath"),
)  # fmt: skip
PRODUCT_SHAPES = (("rund", "round"), ("oval", "oval"), ("eckig", "square"), ("hoch", "tall"), ("flach", "flat"))
COLOURS = (
    ("BE", "beige"), ("BL", "blau"), ("RO", "rot"), ("GR", "grün"), ("WE", "weiß"), ("SW", "schwarz"),
    ("BR", "braun"), ("GE", "gelb"), ("NA", "natur"), ("AN", "anthrazit"), ("TE", "terracotta"), ("SI", "silber"),
)  # fmt: skip
SIZES = ("S", "M", "L", "XL", "Ø 20 cm", "Ø 30 cm", "40x20", "")
USERS = ("admin", "MK", "SB", "lager1", "HW", "verkauf", "JF", "RS")
PHRASES = (
    "", "", "", "Lieferung nach Absprache", "bitte vorab anrufen", "Ware beschädigt, Gutschrift folgt",
    "Teillieferung", "Messeauftrag", "Stammkunde", "neue Preise ab 1.1.", "Rückruf erbeten",
)  # fmt: skip
