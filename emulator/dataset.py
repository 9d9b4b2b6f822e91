"""The legacy dataset: every table generated for a seed and a scale, with its planted defects and manifest.

Tables are generated parents first, each from its own ``random.Random`` (seeded with the seed and the table name),
so the same seed and scale always give the same rows, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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
from emulator.keys import apply_uuid_keys
from emulator.schema import TABLES, Table

GENERATORS = (
    generate_groups, generate_families, generate_variants, generate_customers, generate_sales, generate_staff,
    generate_locations, generate_parameters, generate_boxes, generate_slots, generate_product_storage,
    generate_box_contents, generate_molds, generate_orders,
)  # fmt: skip


@dataclass
class Dataset:
    """Rows per 4D table (tuples, see ``generators.common.Generation``), the manifest, the next global stamp, and the
    tables as served (``schema.TABLES``, or with some keys served as UUID strings: ``keys.apply_uuid_keys``)."""

    rows: dict[str, list[tuple]]
    manifest: list[dict[str, str]]
    next_global_stamp: int
    seed: int
    scale: float
    tables: tuple[Table, ...] = TABLES
    uuid_keys: frozenset[str] = field(default_factory=frozenset)


def generate_dataset(
    seed: int = 42, scale: float = 1.0, defect_rates: DefectRates | None = None, uuid_keys: Iterable[str] = ()
) -> Dataset:
    """The dataset for a seed and a scale; ``uuid_keys`` names tables whose numbered keys (and every reference to
    them) are served as 32-hex UUID strings (``keys.py``; none by default, the dataset as generated)."""
    if scale <= 0:
        raise ValueError("scale must be above 0")
    generation = Generation(seed, scale, defect_rates or DefectRates())
    for generate in GENERATORS:
        generate(generation)
    rows = {table.name: generation.rows[table.name] for table in TABLES}
    dataset = Dataset(rows, generation.manifest.entries, generation.next_global_stamp(), seed, scale)
    return apply_uuid_keys(dataset, uuid_keys)
