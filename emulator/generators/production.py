"""Molds (``Formen``, ``Form_Artikel``) and production orders (``Werksauftraege``, ``WerksauftrPos``, §2.9-2.10)."""

from __future__ import annotations

from datetime import date, timedelta

from emulator.generators.common import Generation, audit, history, ms_of, random_day, spread
from emulator.values import EMPTY_DATE, PHRASES, PRODUCT_WORDS, legacy_date, new_key, pick


def generate_molds(gen: Generation) -> None:
    rng = gen.rng("Formen")
    rows, molds = [], []
    for i in range(gen.count("Formen")):
        key, number = new_key(rng), 1 + i
        created, modified, stamp = history(rng)
        values = (
            number, f"Form {pick(rng, PRODUCT_WORDS)[0]} {number}", f"Regal {1 + int(rng.random() * 30)}",
            rng.random() < 0.1, pick(rng, PHRASES), *audit(rng, created, modified),
        )  # fmt: skip
        rows.append(gen.row(key, modified, stamp, values))
        molds.append((key, number, modified, stamp))
    gen.rows["Formen"] = rows

    rng = gen.rng("Form_Artikel")
    bases = gen.lookups["base_skus"]
    per_mold = spread(rng, gen.count("Form_Artikel"), len(molds))
    rows = []
    articles_of: dict[int, list[tuple[str, str]]] = {}
    for (_, number, modified, stamp), n_articles in zip(molds, per_mold, strict=True):
        for _ in range(n_articles):
            key = new_key(rng)
            base = pick(rng, bases)
            rows.append(gen.row(key, modified, stamp, (base, number, 1 + int(rng.random() * 8),
                                                       round(rng.random(), 2))))  # fmt: skip
            articles_of.setdefault(number, []).append((key, base))
    gen.rows["Form_Artikel"] = rows
    gen.lookups["molds"] = [(key, number) for key, number, _, _ in molds]
    gen.lookups["mold_articles"] = articles_of


def generate_orders(gen: Generation) -> None:
    rng = gen.rng("Werksauftraege")
    molds, articles_of = gen.lookups["molds"], gen.lookups["mold_articles"]
    bases = gen.lookups["base_skus"]
    count = gen.count("Werksauftraege")
    orders, rows = [], []
    for i in range(count):
        mold_key, mold_number = pick(rng, molds)
        entered = random_day(rng, date(2008, 1, 1), date(2026, 9, 25))
        created, modified, stamp = history(rng, created_ms=ms_of(entered) + 8 * 3600_000)
        status = pick(rng, ("V", "V", "V", "E", "S", "D", "C"))
        values = (
            20_000 + i, mold_number, 10 * (1 + int(rng.random() * 100)), status, legacy_date(rng, entered),
            legacy_date(rng, entered + timedelta(days=7 + int(rng.random() * 60))) if rng.random() < 0.9
            else EMPTY_DATE,
            1 + int(rng.random() * 5), new_key(rng), mold_key, *audit(rng, created, modified),
        )  # fmt: skip
        key = new_key(rng)
        rows.append(gen.row(key, modified, stamp, values))
        orders.append((20_000 + i, mold_number, entered, modified, stamp))
    gen.rows["Werksauftraege"] = rows

    rng = gen.rng("WerksauftrPos")
    per_order = spread(rng, gen.count("WerksauftrPos"), len(orders))
    rows = []
    for (number, mold_number, entered, modified, stamp), n_positions in zip(orders, per_order, strict=True):
        articles = articles_of.get(mold_number, [])
        for position in range(1, n_positions + 1):
            link, base = pick(rng, articles) if articles else ("", pick(rng, bases))
            target = 10 * (1 + int(rng.random() * 50))
            done = min(target, int(target * rng.random() * 1.3))
            values = (
                number, position, pick(rng, ("E", "G", "P", "M")), target, done, target - done,
                legacy_date(rng, entered + timedelta(days=int(rng.random() * 10))),
                "V" if done == target else pick(rng, ("E", "P", "C")), base, round(rng.random(), 2),
                int(rng.random() * 600), round(rng.random() * 20, 2), round(target * rng.random() * 3, 2),
                new_key(rng), f"KST-{100 + int(rng.random() * 20)}", link,
            )  # fmt: skip
            rows.append(gen.row(new_key(rng), modified, stamp, values))
    gen.rows["WerksauftrPos"] = rows
