"""Employees (``Personal``, legacy-tables.md §2.8)."""

from __future__ import annotations

from datetime import date

from emulator.generators.common import Generation, audit, history, random_day
from emulator.values import (
    CITIES,
    EMPTY_DATE,
    FIRST_NAMES,
    LAST_NAMES,
    STREETS,
    boolean_text,
    legacy_date,
    new_key,
    pick,
)  # fmt: skip


def generate_staff(gen: Generation) -> None:
    table = "Personal"
    rng = gen.rng(table)
    rows = []
    for i in range(gen.count(table)):
        first, last = pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)
        plz, city = pick(rng, CITIES)
        hours = pick(rng, (40.0, 40.0, 38.5, 30.0, 20.0))
        yearly = float(24_000 + int(rng.random() * 50) * 1_000)
        hired = random_day(rng, date(1985, 1, 1), date(2026, 6, 1))
        left = rng.random() < 0.2
        created, modified, stamp = history(rng)
        values = (
            100 + i, last, first, f"{pick(rng, STREETS)} {1 + int(rng.random() * 80)}", plz, city,
            f"{first[0]}.{last}@wsz.example".lower() if rng.random() < 0.8 else "",
            f"08807/{int(rng.random() * 9000) + 1000}", f"0171/{int(rng.random() * 9_000_000) + 1_000_000}"
            if rng.random() < 0.6 else "",
            hours, round(hours / 5, 2), not left and rng.random() < 0.9, boolean_text(rng, left),
            legacy_date(rng, random_day(rng, date(1950, 1, 1), date(2005, 12, 31))), legacy_date(rng, hired),
            legacy_date(rng, random_day(rng, hired, date(2026, 9, 1))) if left else EMPTY_DATE,
            pick(rng, ("G1", "G2", "G3", "AT", "M")), yearly,
            0.0 if rng.random() < 0.2 else round(yearly / 12, 2), round(yearly / 12, 2),
            pick(rng, (24, 26, 28, 30)), f"{first[0]}{last}".lower()[:12], *audit(rng, created, modified),
        )  # fmt: skip
        rows.append(gen.row(new_key(rng), modified, stamp, values))
    gen.rows[table] = rows
