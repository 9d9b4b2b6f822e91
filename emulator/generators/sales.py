"""Addresses, customers, sales records (``Belege``) and their lines (``Belege_Pos``)."""

from __future__ import annotations

from datetime import date, timedelta

from emulator.business import document_totals, line_amount
from emulator.clock import format_timestamp
from emulator.defects import plan_defects
from emulator.generators.common import Generation, audit, history, ms_of, spread
from emulator.values import (
    CITIES,
    COMPANY_FORMS,
    COMPANY_WORDS,
    COUNTRY_SPELLINGS,
    EMPTY_DATE,
    FIRST_NAMES,
    FOREIGN_CITIES,
    GERMANY_SPELLINGS,
    LAST_NAMES,
    PHRASES,
    STREETS,
    boolean_text,
    legacy_date,
    new_key,
    number_text,
    padded_text,
    pick,
)  # fmt: skip

DM_PER_EUR = 1.95583
EURO_DAY = date(2002, 1, 1)
LAST_DOCUMENT_DAY = date(2026, 9, 30)
PAYMENT_METHODS = ("auf Rechnung", "Vorkasse", "Lastschrift", "Nachnahme", "Bar")
SHIPPING_METHODS = ("UPS", "DHL", "Spedition", "Selbstabholer", "DPD")


def _address(rng, number: int) -> tuple[tuple, str]:
    """(Adressen values without audit, the CR-separated address block a sales record copies)."""
    first, last = pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)
    company = f"{pick(rng, COMPANY_WORDS)} {last} {pick(rng, COMPANY_FORMS)}".strip() if rng.random() < 0.6 else ""
    street = f"{pick(rng, STREETS)} {1 + int(rng.random() * 120)}"
    if rng.random() < 0.92:
        plz, city = pick(rng, CITIES)
        country = pick(rng, GERMANY_SPELLINGS)
    else:
        iso, plz, city = pick(rng, FOREIGN_CITIES)
        country = pick(rng, COUNTRY_SPELLINGS[iso])
    salutation = pick(rng, ("Herr", "Frau", "Firma", ""))
    email = f"{first}.{last}@example.de".lower() if rng.random() < 0.7 else pick(rng, ("", "info(at)example.de"))
    if email and rng.random() < 0.1:
        email = email.upper()
    phone = f"0{int(rng.random() * 9000) + 1000}/{int(rng.random() * 900000) + 100000}"
    values = (
        number, salutation, first, padded_text(rng, last), company, street, country, plz, city, phone,
        phone[:-1] + "9" if rng.random() < 0.4 else "", email, f"{first} {last}" if company else "",
        f"Sehr geehrte{'r Herr' if salutation == 'Herr' else ' Frau'} {last}," if salutation != "Firma" else "",
    )  # fmt: skip
    separator = "\\r" if rng.random() < 0.02 else "\r"
    block = separator.join(line for line in (company or f"{first} {last}", street, f"{plz} {city}") if line)
    return values, block


def generate_customers(gen: Generation) -> None:
    """``Adressen`` and ``Kunden`` together: every address has a customer except the planted ones."""
    rng = gen.rng("Adressen")
    address_count = gen.count("Adressen")
    defects = plan_defects(rng, gen.rates, address_count, ("address_without_customer",))
    address_rows, blocks, linkable = [], [], []
    for i in range(address_count):
        key = new_key(rng)
        values, block = _address(rng, 10_001 + i)
        created, modified, stamp = history(rng)
        address_rows.append(gen.row(key, modified, stamp, (*values, *audit(rng, created, modified))))
        blocks.append(block)
        if i in defects:
            gen.manifest.add("Adressen", key, defects[i])
        else:
            linkable.append(i)
    gen.rows["Adressen"] = address_rows

    rng = gen.rng("Kunden")
    count = max(gen.count("Kunden"), len(linkable))
    numbers = sorted(rng.sample(range(1_100_000, 2_000_000), count))
    owners = linkable + [pick(rng, linkable) for _ in range(count - len(linkable))]
    rows, customers = [], []
    for number, address_index in zip(numbers, owners, strict=True):
        created, modified, stamp = history(rng)
        values = (
            number, 10_001 + address_index, pick(rng, ("A", "B", "C", "Händler", "Privat")),
            boolean_text(rng, rng.random() < 0.03), 1 + int(rng.random() * 5),
            f"DE{int(rng.random() * 900_000_000) + 100_000_000}" if rng.random() < 0.4 else "",
            pick(rng, PAYMENT_METHODS), pick(rng, SHIPPING_METHODS),
            number_text(rng, float(pick(rng, (0, 500, 1000, 2500, 5000, 10000, 1234.56)))),
            float(pick(rng, (0, 0, 0, 2, 3, 5, 10))), pick(rng, (0, 8, 10, 14)), pick(rng, (14, 30, 30, 60)),
            *audit(rng, created, modified),
        )  # fmt: skip
        rows.append(gen.row(new_key(rng), modified, stamp, values))
        customers.append((number, blocks[address_index]))
    gen.rows["Kunden"] = rows
    gen.lookups["customers"] = customers


def generate_sales(gen: Generation) -> None:
    """``Belege`` and ``Belege_Pos``: records since 1992 (DM before 2002), lines with legacy amounts."""
    rng = gen.rng("Belege")
    count = gen.count("Belege")
    span = (LAST_DOCUMENT_DAY - date(1992, 1, 2)).days
    days = sorted(date(1992, 1, 2) + timedelta(days=int(span * rng.random() ** 0.6)) for _ in range(count))
    defects = plan_defects(rng, gen.rates, count, ("unknown_customer",))
    customers = gen.lookups["customers"]
    headers = []
    for i, day in enumerate(days):
        key = new_key(rng)
        if i in defects:
            gen.manifest.add("Belege", key, defects[i])
            customer, block = 9_000_000 + i, "Unbekannt\rPostfach 1\r00000 Nirgendwo"
        else:
            customer, block = pick(rng, customers)
        created = ms_of(day) + 7 * 3600_000 + int(rng.random() * 11 * 3600_000)
        created, modified, stamp = history(rng, created_ms=created)
        headers.append((key, day, customer, block, created, modified, stamp))

    lines_rng = gen.rng("Belege_Pos")
    line_count = gen.count("Belege_Pos")
    line_defects = plan_defects(lines_rng, gen.rates, line_count, ("missing_sales_record",))
    parents = [i for i in range(count) if i not in defects]
    per_parent = spread(lines_rng, line_count - len(line_defects), len(parents))
    variants = gen.lookups["variants"]
    dm_prices: dict[float, float] = {}
    lines: list[tuple] = []
    amounts_of = {}
    for parent_index, n_lines in zip(parents, per_parent, strict=True):
        key, day, _, _, _, modified, stamp = headers[parent_index]
        timestamp = format_timestamp(modified)
        amounts_of[parent_index] = [
            _line(gen, lines_rng, lines, 1_000 + parent_index, position, day, timestamp, stamp, variants, dm_prices)
            for position in range(1, n_lines + 1)
        ]
    missing_base = 9_000_000  # far above any number an insert will take
    for i in range(len(line_defects)):
        created, modified, stamp = history(lines_rng)
        _line(gen, lines_rng, lines, missing_base + i, 1, date(2020, 1, 1), format_timestamp(modified), stamp,
              variants, dm_prices, reason="missing_sales_record")  # fmt: skip
    gen.rows["Belege_Pos"] = lines

    rows = []
    for i, (key, day, customer, block, created, modified, stamp) in enumerate(headers):
        with_vat = rng.random() < 0.95
        freight = float(pick(rng, (0, 0, 4.9, 5.9, 9.9)))
        handling = float(pick(rng, (0, 0, 0, 2.5)))
        net, vat, total = document_totals(day, with_vat, freight, handling, amounts_of.get(i, []))
        kind = pick(rng, ("R", "R", "R", "R", "R", "A", "A", "L", "L", "G", "B", "B"))
        paid = kind == "R" and rng.random() < (0.97 if day.year < 2026 else 0.6)
        paid_day = day + timedelta(days=5 + int(rng.random() * 50)) if paid else None
        values = (
            1_000 + i, kind, customer, legacy_date(rng, day), 10_000 + i, 100 + int(rng.random() * 20),
            1 + int(rng.random() * 5), 0.0, pick(rng, PAYMENT_METHODS), pick(rng, SHIPPING_METHODS),
            "JA" if with_vat else "NEIN", freight, handling, net, vat, total, block,
            block if rng.random() < 0.8 else "", pick(rng, (0, 8, 10, 14)), float(pick(rng, (0, 2, 3))),
            pick(rng, (14, 30, 30, 60)), total if paid else 0.0, legacy_date(rng, paid_day), paid,
            "DM" if day < EURO_DAY else "EUR", pick(rng, PHRASES), *audit(rng, created, modified),
        )  # fmt: skip
        rows.append(gen.row(key, modified, stamp, values))
    gen.rows["Belege"] = rows


def _line(gen, rng, lines, record_number, position, day, timestamp, stamp, variants, dm_prices, reason=None) -> float:
    key = new_key(rng)
    variant = pick(rng, variants)
    price = variant.retail_price
    if day < EURO_DAY:
        price = dm_prices.setdefault(price, round(price * DM_PER_EUR, 2))
    draw = rng.random()
    kind = "L" if draw < 0.9 else "S" if draw < 0.95 else "T" if draw < 0.98 else "D"
    quantity = 1 + int(rng.random() ** 2 * 12)
    if kind == "T":
        quantity, price = 1, 0.0
    elif kind == "D":
        quantity, price = 1, -5.0
    discount = 0 if rng.random() < 0.85 else pick(rng, (5, 10, 15))
    amount = line_amount(quantity, price, discount)
    picked = quantity if rng.random() < 0.75 else int(rng.random() * quantity)
    values = (
        record_number, position, variant.old_number, padded_text(rng, variant.name), quantity, price, discount,
        amount, kind, picked, picked >= quantity, rng.random() < 0.03, pick(rng, PHRASES) if draw < 0.05 else "",
        legacy_date(rng, day + timedelta(days=14)) if rng.random() < 0.1 else EMPTY_DATE,
    )  # fmt: skip
    lines.append((key, timestamp, 1 + int(rng.random() * stamp), key, *values, gen.next_global_stamp()))
    if reason:
        gen.manifest.add("Belege_Pos", key, reason)
    return amount
