"""The legacy dataset: every table generated for a seed and a scale, with its planted defects and manifest.

Tables are generated parents first, each from its own ``random.Random`` (seeded with the seed and the table name),
so the same seed and scale always give the same rows, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from emulator.defects import DefectRates
from emulator.generators.common import Generation
from emulator.generators.inventory import (
    generate_box_contents,
    generate_boxes,
    generate_locations,
    generate_parameters,
    generate_product_storage,
    generate_slots,
)  # fmt: skip
from emulator.generators.production import generate_molds, generate_orders
from emulator.generators.products import generate_families, generate_groups, generate_variants
from emulator.generators.sales import generate_customers, generate_sales
from emulator.generators.staff import generate_staff
from emulator.schema import TABLES

GENERATORS = (
    generate_groups, generate_families, generate_variants, generate_customers, generate_sales, generate_staff,
    generate_locations, generate_parameters, generate_boxes, generate_slots, generate_product_storage,
    generate_box_contents, generate_molds, generate_orders,
)  # fmt: skip


@dataclass
class Dataset:
    """Rows per 4D table (tuples, see ``generators.common.Generation``), the manifest, the next global stamp."""

    rows: dict[str, list[tuple]]
    manifest: list[dict[str, str]]
    next_global_stamp: int
    seed: int
    scale: float


def generate_dataset(seed: int = 42, scale: float = 1.0, defect_rates: DefectRates | None = None) -> Dataset:
    if scale <= 0:
        raise ValueError("scale must be above 0")
    generation = Generation(seed, scale, defect_rates or DefectRates())
    for generate in GENERATORS:
        generate(generation)
    rows = {table.name: generation.rows[table.name] for table in TABLES}
    return Dataset(rows, generation.manifest.entries, generation.next_global_stamp(), seed, scale)
