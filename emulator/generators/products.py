"""Article groups, product families (``Artikel_Familie``) and their variants (``Artikel_Variante``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import orjson

from emulator.clock import HISTORY_END_MS
from emulator.defects import plan_defects
from emulator.generators.common import DAY_MS, Generation, audit, history, random_day
from emulator.values import (
    COLOURS,
    EMPTY_DATE,
    PHRASES,
    PRODUCT_SHAPES,
    PRODUCT_WORDS,
    SIZES,
    boolean_text,
    legacy_date,
    new_key,
    padded_text,
    pick,
)  # fmt: skip

GROUP_NAMES = (
    "Körbe", "Vasen", "Keramik", "Garten", "Weihnachten", "Ostern", "Kerzen", "Textil", "Floristik", "Holz",
    "Metall", "Glas", "Saisonware", "Zubehör", "Verpackung",
)  # fmt: skip
BASE_SUFFIXES = ("", "", "", "", "W", "BUE", "K", "S")


@dataclass(frozen=True, slots=True)
class FamilyInfo:
    key: str
    name: str
    name_en: str
    base_sku: str


@dataclass(frozen=True, slots=True)
class VariantInfo:
    """A clean variant other tables may point to."""

    key: str
    old_number: str  # alteNummer, what sales lines carry
    ref_old: int  # refOld, what Artikel_Lagerorte carries
    base_sku: str  # fk_ArtNr, what production tables carry
    name: str
    retail_price: float


def generate_groups(gen: Generation) -> None:
    rng = gen.rng("ArtikelGruppe")
    count = gen.count("ArtikelGruppe")
    top_level = max(1, count // 5)
    codes = [f"AG{10 * (i + 1)}" for i in range(count)]
    rows = []
    for i, code in enumerate(codes):
        created, modified, stamp = history(rng)
        name = GROUP_NAMES[i % len(GROUP_NAMES)] + ("" if i < len(GROUP_NAMES) else f" {i // len(GROUP_NAMES) + 1}")
        parent = "" if i < top_level else pick(rng, codes[:top_level])
        values = (code, name, pick(rng, PHRASES) or f"Artikel der Gruppe {name}", parent)
        rows.append(gen.row(new_key(rng), modified, stamp, (*values, *audit(rng, created, modified))))
    gen.rows["ArtikelGruppe"] = rows
    gen.lookups["group_codes"] = codes


def _invalid_sku(rng, number: str) -> str:
    return pick(rng, (f"-{number}", f"#{number}", f"{number[:3]} {number[3:]}", f"{number}/A", f"?{number}"))


def _unique_bases(rng, count: int) -> list[str]:
    bases: set[str] = set()
    ordered: list[str] = []
    while len(ordered) < count:
        base = f"{int(rng.random() * 10 ** (3 + int(rng.random() * 3)))}{pick(rng, BASE_SUFFIXES)}"
        if base not in bases and not base.startswith("0"):
            bases.add(base)
            ordered.append(base)
    return ordered


def generate_families(gen: Generation) -> None:
    table = "Artikel_Familie"
    rng = gen.rng(table)
    count = gen.count(table)
    numbers = [str(n) for n in rng.sample(range(10_000, 1_000_000), count)]
    bases = _unique_bases(rng, count)
    defects = plan_defects(rng, gen.rates, count, ("invalid_sku", "empty_name", "negative_weight", "duplicate_key"))
    clean_numbers = [numbers[i] for i in range(count) if i not in defects]
    groups = gen.lookups["group_codes"]
    rows, clean = [], []
    for i in range(count):
        key = new_key(rng)
        word, word_en = pick(rng, PRODUCT_WORDS)
        shape, shape_en = pick(rng, PRODUCT_SHAPES)
        name, name_en = f"{word} {shape}", f"{word_en} {shape_en}"
        number, weight = numbers[i], 50 + int(rng.random() * 4950)
        reason = defects.get(i)
        if reason == "invalid_sku":
            number = _invalid_sku(rng, number)
        elif reason == "empty_name":
            name = pick(rng, ("", "   ", " "))
        elif reason == "negative_weight":
            weight = -weight
        elif reason == "duplicate_key":
            number = pick(rng, clean_numbers) if clean_numbers else numbers[0]
        if reason:
            gen.manifest.add(table, key, reason)
        # The copy is created after every original (generated creations end a day before the history does), so
        # "the later-created row is the duplicate" holds for the manifest too; the draws stay the same.
        created, modified, stamp = history(rng, HISTORY_END_MS - DAY_MS) if reason == "duplicate_key" else history(rng)
        described = rng.random() > 0.14
        values = (
            number, padded_text(rng, name), name_en,
            f"{name} aus Naturmaterial, handgefertigt." if described else None,
            f"{name_en}, handmade from natural material." if described else None,
            name if described else "", name_en if described else "",
            weight, *(_dimension(rng) for _ in range(3)), pick(rng, groups),
            rng.random() < 0.2, rng.random() < 0.3, boolean_text(rng, rng.random() < 0.15),
            _release(rng), rng.random() < 0.9,
            *audit(rng, created, modified),
        )  # fmt: skip
        rows.append(gen.row(key, modified, stamp, values))
        if not reason:
            clean.append(FamilyInfo(key, name, name_en, bases[i]))
    gen.rows[table] = rows
    gen.lookups["families"] = clean


def _dimension(rng) -> str:
    draw = rng.random()
    if draw < 0.1:
        return ""
    value = 50 + int(rng.random() * 600)
    return f"{value}.5" if draw < 0.2 else str(value)


def _release(rng) -> str | None:
    draw = rng.random()
    if draw < 0.05:
        return None
    if draw < 0.3:
        return EMPTY_DATE
    return legacy_date(rng, random_day(rng, date(1995, 1, 1), date(2026, 9, 1)))


def _prices(rng, retail: float):
    """The ``Preise`` object: ``{"Coll": [{"Art", "Preis", "VE"}]}``, now and then a JSON string or null."""
    coll = [{"Art": "Laden", "Preis": retail, "VE": 1}, {"Art": "Handel", "Preis": round(retail / 2, 2), "VE": 6}]
    if rng.random() < 0.7:
        coll.append({"Art": "Empf.", "Preis": retail, "VE": 1})
    if rng.random() < 0.5:
        coll.append({"Art": "Einkauf", "Preis": round(retail * 0.3, 2), "VE": 12})
    draw = rng.random()
    if draw < 0.01:
        return None
    if draw < 0.02:
        return orjson.dumps({"Coll": coll}).decode()
    return {"Coll": coll}


def generate_variants(gen: Generation) -> None:
    table = "Artikel_Variante"
    rng = gen.rng(table)
    count = gen.count(table)
    families: list[FamilyInfo] = gen.lookups["families"]
    defects = plan_defects(rng, gen.rates, count, ("orphan_parent", "invalid_sku", "empty_name"))
    attached = [i for i in range(count) if defects.get(i) != "orphan_parent"]
    with_variants = families[: max(1, round(len(families) * 0.83))]
    owners = [with_variants[i % len(with_variants)] for i in range(min(len(attached), len(with_variants)))]
    owners += [pick(rng, with_variants) for _ in range(len(attached) - len(owners))]
    rng.shuffle(owners)
    owner_of = dict(zip(attached, owners, strict=True))
    numbers = rng.sample(range(100_000, 1_000_000), count)
    ref_olds = rng.sample(range(1_000, 1_000_000), count)
    used_codes: dict[str, set[str]] = {}
    rows, clean = [], []
    for i in range(count):
        key = new_key(rng)
        reason = defects.get(i)
        family = owner_of.get(i) or FamilyInfo(new_key(rng), "Sonderposten", "Special item", _unique_orphan_base(i))
        taken = used_codes.setdefault(family.base_sku, set())
        base_code, colour = pick(rng, COLOURS)
        code, n = base_code, 0
        while code in taken:
            n += 1
            code = f"{base_code}{n}"
        taken.add(code)
        number, name = numbers[i], f"{family.name} {colour}"
        if reason == "invalid_sku":
            number = -number
        elif reason == "empty_name":
            name = pick(rng, ("", "   "))
        if reason:
            gen.manifest.add(table, key, reason)
        retail = round(4.9 + int(rng.random() * 290) / 2, 2)
        created, modified, stamp = history(rng)
        old_number = f"{family.base_sku}-{code}"
        values = (
            number, old_number, family.base_sku, code, ref_olds[i], family.key,
            name, f"{family.name_en} {colour}", f"{name}, Farbe {colour}" if rng.random() > 0.1 else None,
            name[:20], float(50 + int(rng.random() * 4000)), colour, pick(rng, SIZES), int(rng.random() < 0.85),
            rng.random() < 0.1, _release(rng),
            legacy_date(rng, random_day(rng, date(2000, 1, 1), date(2026, 9, 1))) if rng.random() < 0.1 else None,
            legacy_date(rng, random_day(rng, date(2005, 1, 1), date(2027, 12, 31)))
            if rng.random() < 0.12 else "0!0!0",
            rng.random() < 0.88, _prices(rng, retail), *audit(rng, created, modified),
        )  # fmt: skip
        rows.append(gen.row(key, modified, stamp, values))
        if not reason:
            clean.append(VariantInfo(key, old_number, ref_olds[i], family.base_sku, name, retail))
    gen.rows[table] = rows
    gen.lookups["variants"] = clean
    gen.lookups["base_skus"] = sorted({v.base_sku for v in clean}) or ["0"]


def _unique_orphan_base(i: int) -> str:
    return f"9{i:05d}X"
