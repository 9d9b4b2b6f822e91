"""Reconcile: per entity, the 4D source (counts and key sets, over the REST API) against the pyERP table — the
parallel-run check of the rollout plan. Keys stream page by page into a temp table; the comparison is SQL."""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg2 import sql
from psycopg2.extras import execute_values

from extract.client import LegacyClient
from flows.entities import ENTITIES_BY_TABLE
from flows.settings import Settings

SAMPLE = 10


@dataclass(frozen=True)
class KeyMap:
    """How a 4D row and its pyERP row name each other: the 4D attributes whose values, joined by '_', equal
    ``target_key`` (an SQL expression over the pyERP table aliased ``t``; ``{schema}`` is the target schema)."""

    endpoint: str
    source_attributes: tuple[str, ...]
    target_key: str
    target_filter: str = "true"


KEY_MAPS: dict[str, KeyMap] = {
    "products_productcategory": KeyMap("ArtikelGruppe", ("ArtGr",), "t.code"),
    "products_parentproduct": KeyMap("Artikel_Familie", ("__KEY",), "t.legacy_id"),
    "products_variantproduct": KeyMap("Artikel_Variante", ("__KEY",), "t.legacy_id"),
    "sales_customer": KeyMap("Kunden", ("__KEY",), "t.legacy_id"),
    "sales_address": KeyMap(
        "Adressen",
        ("__KEY",),
        "t.legacy_id",
        target_filter="t.legacy_id not like 'shipping\\_%' and t.legacy_id not like 'billing\\_%'",
    ),
    "sales_salesrecord": KeyMap("Belege", ("AbsNr",), "t.legacy_id"),
    "sales_salesrecorditem": KeyMap(
        "Belege_Pos",
        ("AbsNr", "PosNr"),
        "(select r.legacy_id from {schema}.sales_salesrecord as r where r.id = t.sales_record_id) || '_' || t.position",
    ),
    "business_employee": KeyMap("Personal", ("__KEY",), "t.legacy_id"),
    "inventory_storagelocation": KeyMap("Stamm_Lagerorte", ("ID_Lagerort",), "t.legacy_id"),
    "inventory_box": KeyMap("Stamm_Lager_Schuetten", ("ID",), "t.legacy_id"),
    "inventory_boxslot": KeyMap("Stamm_Lager_Schuetten_Slots", ("ID",), "t.legacy_id"),
    "inventory_productstorage": KeyMap("Artikel_Lagerorte", ("UUID",), "t.legacy_id"),
    "inventory_boxstorage": KeyMap("Lager_Schuetten", ("ID",), "t.legacy_id"),
    "production_productionorder": KeyMap("Werksauftraege", ("__KEY",), "t.legacy_key"),
    "production_productionorderitem": KeyMap("WerksauftrPos", ("__KEY",), "t.legacy_key"),
    "production_mold": KeyMap("Formen", ("__KEY",), "t.legacy_uuid"),
    "production_moldproduct": KeyMap("Form_Artikel", ("__KEY",), "t.legacy_uuid"),
}
# Derived from other tables' values, not one 4D row each: nothing to compare key by key.
DERIVED = ("sales_paymentterms", "sales_paymentmethod", "sales_shippingmethod", "inventory_boxtype")


@dataclass
class EntityReconciliation:
    entity: str
    source_table: str
    source_rows: int = 0
    pyerp_rows: int = 0
    rejected: int = 0
    missing_in_pyerp: int = 0
    extra_in_pyerp: int = 0
    missing_sample: list[str] = field(default_factory=list)
    extra_sample: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return self.missing_in_pyerp == 0 and self.extra_in_pyerp == 0


def _key_text(value: object) -> str:
    return "" if value is None else str(value)


def reconcile_entity(conn, client: LegacyClient, target_schema: str, entity: str) -> EntityReconciliation:
    key_map = KEY_MAPS[entity]
    result = EntityReconciliation(entity=entity, source_table=key_map.endpoint)
    with conn.cursor() as cur:
        cur.execute("create temp table _source_keys (key text, legacy_key text) on commit drop")
        # Every entity carries its __KEY in the envelope; as an attribute 4D refuses it ("cannot be found").
        attributes = [a for a in key_map.source_attributes if a != "__KEY"]
        for page in client.pages(key_map.endpoint, key_attribute="__KEY", attributes=attributes, page_size=20000):
            rows = [
                ("_".join(_key_text(e.get(a)) for a in key_map.source_attributes), e["__KEY"]) for e in page.entities
            ]
            execute_values(cur, "insert into _source_keys values %s", rows, page_size=5000)
        cur.execute("create index on _source_keys (key)")
        target_key = sql.SQL(key_map.target_key.format(schema=sql.Identifier(target_schema).as_string(cur)))
        # A row publish deactivated was deleted in 4D on purpose: not "extra". Rows inactive in 4D itself are
        # published inactive too, so any pyERP row, active or not, counts as present for a 4D row.
        deactivate_column = ENTITIES_BY_TABLE[entity].deactivate_column
        active = sql.Identifier("t", deactivate_column) if deactivate_column else sql.SQL("true")
        cur.execute(
            sql.SQL(
                "create temp table _target_keys on commit drop as select {key} as key, {active} as active "
                "from {table} as t where {filter}"
            ).format(
                key=target_key,
                active=active,
                table=sql.Identifier(target_schema, entity),
                filter=sql.SQL(key_map.target_filter),
            )
        )
        cur.execute(
            "create temp table _rejected on commit drop as select distinct legacy_key from pyerp_sync.rejects "
            "where entity = %s and severity = 'error' and run_id = (select run_id from pyerp_sync.rejects "
            "join pyerp_sync.runs using (run_id) where entity = %s order by runs.started_at desc limit 1)",
            (entity, entity),
        )
        cur.execute(
            "select (select count(*) from _source_keys), (select count(*) from _target_keys), "
            "(select count(*) from _source_keys s join _rejected r using (legacy_key))"
        )
        result.source_rows, result.pyerp_rows, result.rejected = cur.fetchone()
        missing = (
            "from _source_keys s where not exists (select 1 from _target_keys t where t.key = s.key) "
            "and not exists (select 1 from _rejected r where r.legacy_key = s.legacy_key)"
        )
        extra = "from _target_keys t where t.active and not exists (select 1 from _source_keys s where s.key = t.key)"
        for where, alias, count_field, sample_field in (
            (missing, "s", "missing_in_pyerp", "missing_sample"),
            (extra, "t", "extra_in_pyerp", "extra_sample"),
        ):
            cur.execute(f"select count(*) {where}")
            setattr(result, count_field, cur.fetchone()[0])
            cur.execute(f"select {alias}.key {where} order by 1 limit %s", (SAMPLE,))
            setattr(result, sample_field, [row[0] for row in cur.fetchall()])
    conn.rollback()  # drops the temp tables
    return result


def reconcile(conn, settings: Settings, entities: list[str]) -> list[EntityReconciliation]:
    with LegacyClient(
        settings.require_legacy_url(),
        settings.session_file,
        username=settings.legacy_username,
        password=settings.legacy_password,
    ) as client:
        return [reconcile_entity(conn, client, settings.target_schema, e) for e in entities if e in KEY_MAPS]
