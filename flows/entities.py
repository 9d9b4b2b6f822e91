"""The pyERP entities the sync publishes: one declaration each, in foreign-key order.

For every pyERP table: the mart that feeds it (same name, schema ``legacy_marts``), how a mart row finds its pyERP
row (``match``), how each foreign key's natural key in the mart becomes pyERP's surrogate id (``foreign_keys``),
how rows deleted in 4D are handled (``deactivate_column``), and the conflict policy. Dependencies between entities
are derived from the foreign keys, so ``run --only`` and the flow's ordering have one source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from flows.errors import ErrorClass, SyncError

ConflictPolicy = Literal["newest_wins", "source_wins", "target_wins", "manual"]
CONFLICT_POLICIES: tuple[ConflictPolicy, ...] = ("newest_wins", "source_wins", "target_wins", "manual")


@dataclass(frozen=True)
class ForeignKey:
    """The mart's ``natural_key_columns`` name a row of ``references`` by its ``references_columns``; publish
    writes that row's ``id`` into ``target_column``. ``required``: a mart row whose reference does not resolve is
    an error (the dbt relationship tests should have stopped the run before); otherwise the id stays NULL."""

    natural_key_columns: tuple[str, ...]
    target_column: str
    references: str
    references_columns: tuple[str, ...]
    required: bool = False

    def __post_init__(self) -> None:
        if len(self.natural_key_columns) != len(self.references_columns):
            raise ValueError(f"{self.target_column}: natural key and referenced key differ in length")


@dataclass(frozen=True)
class Entity:
    table: str
    match: tuple[str, ...]  # target columns that identify a row (after foreign keys are resolved)
    foreign_keys: tuple[ForeignKey, ...] = ()
    deactivate_column: str | None = "is_active"  # None: deletions are reported, never applied
    conflict_policy: ConflictPolicy = "newest_wins"

    @property
    def depends_on(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(fk.references for fk in self.foreign_keys if fk.references != self.table))


def _fk(natural: str, target: str, references: str, column: str = "legacy_id", required: bool = False) -> ForeignKey:
    return ForeignKey((natural,), target, references, (column,), required)


ENTITIES: tuple[Entity, ...] = (
    Entity(
        "products_productcategory",
        match=("code",),
        foreign_keys=(_fk("parent_code", "parent_id", "products_productcategory", "code"),),
        deactivate_column=None,
    ),
    Entity(
        "products_parentproduct",
        match=("legacy_id",),
        foreign_keys=(_fk("category_code", "category_id", "products_productcategory", "code"),),
    ),
    Entity(
        "products_variantproduct",
        match=("legacy_id",),
        foreign_keys=(
            _fk("parent_legacy_id", "parent_id", "products_parentproduct", required=True),
            _fk("category_code", "category_id", "products_productcategory", "code"),
        ),
    ),
    Entity("sales_customer", match=("legacy_id",), deactivate_column=None),
    Entity(
        "sales_address",
        match=("legacy_id",),
        foreign_keys=(_fk("customer_number", "customer_id", "sales_customer", "customer_number", required=True),),
        deactivate_column=None,
    ),
    Entity("sales_paymentterms", match=("days_due", "discount_days", "discount_percent"), deactivate_column="active"),
    Entity("sales_paymentmethod", match=("name", "code"), deactivate_column="active"),
    Entity("sales_shippingmethod", match=("name", "code"), deactivate_column="active"),
    Entity(
        "sales_salesrecord",
        match=("legacy_id",),
        foreign_keys=(
            _fk("customer_number", "customer_id", "sales_customer", "customer_number"),
            ForeignKey(
                ("payment_terms_days_due", "payment_terms_discount_days", "payment_terms_discount_percent"),
                "payment_terms_id",
                "sales_paymentterms",
                ("days_due", "discount_days", "discount_percent"),
            ),
            ForeignKey(
                ("payment_method_name", "payment_method_code"),
                "payment_method_id",
                "sales_paymentmethod",
                ("name", "code"),
            ),
            ForeignKey(
                ("shipping_method_name", "shipping_method_code"),
                "shipping_method_id",
                "sales_shippingmethod",
                ("name", "code"),
            ),
            _fk("shipping_address_legacy_id", "shipping_address_id", "sales_address"),
            _fk("billing_address_legacy_id", "billing_address_id", "sales_address"),
        ),
        deactivate_column=None,
    ),
    Entity(
        "sales_salesrecorditem",
        match=("sales_record_id", "position"),
        foreign_keys=(
            _fk("sales_record_legacy_id", "sales_record_id", "sales_salesrecord", required=True),
            _fk("product_legacy_id", "product_id", "products_variantproduct"),
        ),
        deactivate_column=None,
    ),
    Entity("business_employee", match=("legacy_id",), deactivate_column=None),
    Entity("inventory_storagelocation", match=("legacy_id",)),
    Entity("inventory_boxtype", match=("name",), deactivate_column=None),
    Entity(
        "inventory_box",
        match=("legacy_id",),
        foreign_keys=(
            _fk("box_type_name", "box_type_id", "inventory_boxtype", "name", required=True),
            _fk("storage_location_legacy_id", "storage_location_id", "inventory_storagelocation"),
        ),
        deactivate_column=None,
    ),
    Entity(
        "inventory_boxslot",
        match=("legacy_id",),
        foreign_keys=(_fk("box_legacy_id", "box_id", "inventory_box", required=True),),
        deactivate_column=None,
    ),
    Entity(
        "inventory_productstorage",
        match=("legacy_id",),
        foreign_keys=(
            _fk("product_legacy_id", "product_id", "products_variantproduct", required=True),
            _fk("storage_location_legacy_id", "storage_location_id", "inventory_storagelocation", required=True),
        ),
        deactivate_column=None,
    ),
    Entity(
        "inventory_boxstorage",
        match=("legacy_id",),
        foreign_keys=(
            _fk("product_storage_legacy_id", "product_storage_id", "inventory_productstorage", required=True),
            _fk("box_slot_legacy_id", "box_slot_id", "inventory_boxslot", required=True),
        ),
        deactivate_column=None,
    ),
    Entity("production_productionorder", match=("legacy_key",), deactivate_column=None),
    Entity(
        "production_productionorderitem",
        match=("legacy_key",),
        foreign_keys=(
            _fk("production_order_number", "production_order_id", "production_productionorder", "order_number", True),
            _fk("parent_product_legacy_id", "parent_product_id", "products_parentproduct"),
        ),
        deactivate_column=None,
    ),
    Entity("production_mold", match=("legacy_uuid",)),
    Entity(
        "production_moldproduct",
        match=("legacy_uuid",),
        foreign_keys=(
            _fk("mold_legacy_uuid", "mold_id", "production_mold", "legacy_uuid", required=True),
            _fk("parent_product_legacy_id", "parent_product_id", "products_parentproduct", required=True),
        ),
        deactivate_column=None,
    ),
)


class UnknownEntity(SyncError, LookupError):
    """A name that is not one of the pyERP tables the sync publishes."""

    error_class = ErrorClass.CONFIGURATION


ENTITIES_BY_TABLE: dict[str, Entity] = {entity.table: entity for entity in ENTITIES}


def entity(table: str) -> Entity:
    """The entity of a pyERP table name; a clear error listing the known ones."""
    try:
        return ENTITIES_BY_TABLE[table]
    except KeyError:
        raise UnknownEntity(f"unknown pyERP table {table!r}; known: {', '.join(ENTITIES_BY_TABLE)}") from None


def with_dependencies(tables: set[str]) -> tuple[Entity, ...]:
    """The named entities plus everything they reference, transitively, in publish (foreign-key) order."""
    wanted: set[str] = set()
    stack = list(tables)
    while stack:
        current = entity(stack.pop())
        if current.table not in wanted:
            wanted.add(current.table)
            stack.extend(current.depends_on)
    return tuple(e for e in ENTITIES if e.table in wanted)


def dependents_of(tables: set[str]) -> set[str]:
    """The given entities plus every entity that references one of them, transitively (a changed parent can turn
    a rejected orphan child into a valid one, so its children are rebuilt too)."""
    affected = set(tables)
    grew = True
    while grew:
        grew = False
        for current in ENTITIES:
            if current.table not in affected and affected.intersection(current.depends_on):
                affected.add(current.table)
                grew = True
    return affected
