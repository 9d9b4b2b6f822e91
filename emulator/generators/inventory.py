"""Storage locations, box types (``parameter``), boxes, slots, product storage and box contents (§2.11)."""

from __future__ import annotations

from datetime import date

import orjson

from emulator.generators.common import Generation, audit, history, random_day
from emulator.values import new_key, pick, two_digit_year_date

SITES = (("DE", "Stammlager-Diessen"), ("DE", "Hamburg-Markt"), ("DE", "Berlin-Mitte"), ("AT", "Wien-Lager"))
BOX_MAKERS = (
    ("FKE{n} {colour}", ("Blau", "Grau", "Rot", "Grün", "Gelb")),
    ("Schäfer-{l}x{w}", ("",)),
    ("EK {n} {colour}", ("Grau", "Blau")),
    ("RL-KLT {n}", ("",)),
)  # fmt: skip
PARAMETER_SCOPES = (
    "Schüttentypen", "Mandant", "Mwst", "Nummernkreise", "Versandarten", "Zahlungsarten", "Preisgruppen",
    "Druckereinstellungen", "Farben", "Groessen", "Kostenstellen", "Lagerplatzregeln",
)  # fmt: skip
SLOT_CODES = ("BP", "ZB", "FG", "KI", "GY")
SLOT_COLOURS = ("blau", "rot", "gelb", "grün", "grau")


def generate_locations(gen: Generation) -> None:
    table = "Stamm_Lagerorte"
    rng = gen.rng(table)
    count = gen.count(table)
    shelves = max(40, count // (len(SITES) * 15) + 1)
    cells = sorted(rng.sample(range(len(SITES) * shelves * 15), count))
    rows, locations = [], []
    for i, cell in enumerate(cells):
        site, rest = divmod(cell, shelves * 15)
        shelf, rest = divmod(rest, 15)
        compartment, level = divmod(rest, 5)
        country, building = SITES[site]
        code = f"{country}-{building}-R{shelf + 1:02d}-F{compartment + 1:02d}-B{level + 1:02d}"
        key = new_key(rng)
        created, modified, stamp = history(rng)
        values = (
            i + 1, code, country, building, shelf + 1, compartment + 1, level + 1, rng.random() < 0.2,
            rng.random() < 0.05, rng.random() < 0.3, 0.0, 0.0, 0.0, False, None, *audit(rng, created, modified),
        )  # fmt: skip
        rows.append(gen.row(key, modified, stamp, values))
        locations.append((key, i + 1))
    gen.rows[table] = rows
    gen.lookups["locations"] = locations


def _box_types(rng) -> list[dict]:
    types: list[dict] = []
    names: set[str] = set()
    while len(types) < 49:
        pattern, colours = pick(rng, BOX_MAKERS)
        length, width = pick(rng, (300, 400, 500, 600)), pick(rng, (200, 300, 312, 400))
        name = pattern.format(n=int(rng.random() * 9000) + 1000, colour=pick(rng, colours), l=length, w=width)
        if name in names:
            continue
        names.add(name)
        types.append({
            "Type": name, "Box_Länge": length, "Box_Breite": width, "Box_Höhe": pick(rng, (120, 150, 200, 320)),
            "Box_Gewicht": 300 + int(rng.random() * 1500), "Trenner_Gewicht": pick(rng, (0, 40, 60)),
            "Slots": pick(rng, (1, 2, 3, 4, 6, 8)), "id": len(types) + 1,
        })  # fmt: skip
    return types


def generate_parameters(gen: Generation) -> None:
    table = "parameter"
    rng = gen.rng(table)
    box_types = _box_types(rng)
    rows = []
    for scope in PARAMETER_SCOPES[: gen.count(table)]:
        data: dict[str, object] = (
            {"Schüttentypen": box_types} if scope == "Schüttentypen" else {"version": 1, "werte": [scope]}
        )
        created, modified, stamp = history(rng)
        rows.append(gen.row(new_key(rng), modified, stamp, (scope, data, *audit(rng, created, modified))))
    gen.rows[table] = rows
    gen.lookups["box_types"] = [(t["Type"], t["Slots"]) for t in box_types]


def _data(rng, value: dict):
    """A ``data_`` object; about 1 % arrive as a JSON string, as on the production server."""
    return orjson.dumps(value).decode() if rng.random() < 0.01 else value


def generate_boxes(gen: Generation) -> None:
    table = "Stamm_Lager_Schuetten"
    rng = gen.rng(table)
    locations = gen.lookups["locations"]
    rows, boxes = [], []
    for i in range(gen.count(table)):
        box_id = 1 + i
        box_type, slots = pick(rng, gen.lookups["box_types"])
        location = pick(rng, locations) if rng.random() < 0.9 else None
        printed = random_day(rng, date(2015, 1, 1), date(2026, 9, 1)) if rng.random() < 0.7 else None
        created, modified, stamp = history(rng)
        values = (
            box_id, f"SC{box_id:05d}", box_type, location[0] if location else "",
            pick(rng, ("Lager", "Versand", "Produktion", "Retoure")), f"40{int(rng.random() * 10**11):011d}",
            "", slots,
            _data(rng, {"Anzahl_Schuetteneinheiten": slots, "Stamm_Lagerort": location[1] if location else None}),
            two_digit_year_date(printed) if printed else "", int(rng.random() * 86400) if printed else 0,
            location[0] if location else None, None, *audit(rng, created, modified),
        )  # fmt: skip
        key = new_key(rng)
        rows.append(gen.row(key, modified, stamp, values))
        boxes.append((key, box_id, location[1] if location else None))
    gen.rows[table] = rows
    gen.lookups["boxes"] = boxes


def generate_slots(gen: Generation) -> None:
    table = "Stamm_Lager_Schuetten_Slots"
    rng = gen.rng(table)
    boxes = gen.lookups["boxes"]
    count = gen.count(table)
    owners = sorted(
        (boxes[i % len(boxes)] if i < len(boxes) else pick(rng, boxes) for i in range(count)), key=lambda b: b[1]
    )
    rows, slots = [], []
    position: dict[int, int] = {}
    for box_key, box_id, location_id in owners:
        position[box_id] = position.get(box_id, 0) + 1
        _, modified, stamp = history(rng)
        data = {"Slot_Code": pick(rng, SLOT_CODES), "Einheiten_Nr": position[box_id],
                "Einheitenfabe": pick(rng, SLOT_COLOURS)}  # fmt: skip
        key = new_key(rng)
        auftrag = 0 if rng.random() < 0.8 else 50_000 + int(rng.random() * 10_000)
        rows.append(
            gen.row(key, modified, stamp, (box_id, box_id, position[box_id], auftrag, _data(rng, data), box_key))
        )
        slots.append((key, box_id, location_id))
    gen.rows[table] = rows
    gen.lookups["slots"] = slots


def generate_product_storage(gen: Generation) -> None:
    table = "Artikel_Lagerorte"
    rng = gen.rng(table)
    variants, locations = gen.lookups["variants"], gen.lookups["locations"]
    rows, storages = [], []
    for _ in range(gen.count(table)):
        storage_uuid = new_key(rng)
        location_key, location_id = pick(rng, locations)
        reserved = rng.random() < 0.05
        created, modified, stamp = history(rng)
        values = (
            storage_uuid, pick(rng, variants).ref_old, location_key, float(int(rng.random() * 200)), reserved,
            0 if rng.random() < 0.9 else 50_000 + int(rng.random() * 10_000), *audit(rng, created, modified),
        )  # fmt: skip
        rows.append(gen.row(new_key(rng), modified, stamp, values))
        storages.append((storage_uuid, location_id))
    gen.rows[table] = rows
    gen.lookups["product_storage"] = storages


def generate_box_contents(gen: Generation) -> None:
    table = "Lager_Schuetten"
    rng = gen.rng(table)
    slots, storages = gen.lookups["slots"], gen.lookups["product_storage"]
    rows = []
    for i in range(gen.count(table)):
        slot_key, box_id, _ = pick(rng, slots)
        storage_uuid, location_id = pick(rng, storages)
        expiry = random_day(rng, date(2024, 1, 1), date(2029, 12, 31)) if rng.random() < 0.3 else None
        created, modified, stamp = history(rng)
        values = (
            1 + i, box_id, storage_uuid, slot_key, float(1 + int(rng.random() * 40)),
            f"CH{int(rng.random() * 10**6):06d}" if rng.random() < 0.5 else "",
            f"{expiry.day:02d}.{expiry.month:02d}.{expiry.year}" if expiry else "",
            _data(rng, {"Schuetten_ID": box_id, "Artikel_Lagerort": storage_uuid, "Stamm_Lagerort": location_id}),
            *audit(rng, created, modified),
        )  # fmt: skip
        rows.append(gen.row(new_key(rng), modified, stamp, values))
    gen.rows[table] = rows
