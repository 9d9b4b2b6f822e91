"""The dlt source ``legacy_4d``: one merge resource per registry entry, landing in ``legacy_raw``.

This module only builds dlt objects: the source, one resource per table (its write disposition and column hints),
each resource's generator being one ``table_run.TableRun``. Rows, deletion markers and the cursors (dlt resource
state) travel in the same dlt load package, so a run that dies anywhere leaves either all of it or none of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.schema.typing import TColumnSchema, TDeleteInsertStrategyDict

from extract.records import DELETED_AT, IS_DELETED, KEY, STAMP, TIMESTAMP
from extract.run_context import RunContext, TableStats
from extract.table_run import TableRun
from extract.tables import Table

SOURCE_NAME = "legacy_4d"
MERGE: TDeleteInsertStrategyDict = {"disposition": "merge", "strategy": "delete-insert", "deduplicated": True}


def column_hints(table: Table) -> dict[str, TColumnSchema]:
    """dlt column hints: typed system columns, a unique ``__KEY``, every declared attribute as text."""
    hints: dict[str, TColumnSchema] = {
        KEY: {"data_type": "text", "nullable": False, "unique": True, "primary_key": True},
        STAMP: {"data_type": "bigint", "nullable": True},
        TIMESTAMP: {"data_type": "timestamp", "nullable": True},
    }
    for name in table.columns:
        hints[name] = {"data_type": "text", "nullable": True}
    hints[IS_DELETED] = {"data_type": "bool", "nullable": False}
    hints[DELETED_AT] = {"data_type": "timestamp", "nullable": True}
    return hints


def _resource(ctx: RunContext, table: Table) -> Any:
    def rows() -> Iterator[pa.Table]:
        yield from TableRun(ctx, table, dlt.current.resource_state()).rows()

    # A table landed for the first time cannot hold any of its keys yet, and one run never yields a key twice, so
    # its first load appends: dlt COPYs straight into the table instead of into a staging table plus a merge.
    first_load = not ctx.store.exists(table.resource)
    return dlt.resource(
        rows,
        name=table.resource,
        write_disposition="append" if first_load else MERGE,
        primary_key=KEY,
        columns=column_hints(table),
        schema_contract={"tables": "evolve", "columns": "evolve", "data_type": "evolve"},
    )


def legacy_4d_source(ctx: RunContext, tables: Sequence[Table]) -> Any:
    """The dlt source over the given registry entries (parents must come before their children)."""
    for table in tables:
        if table.strategy == "children_of" and table.parent_link is not None and table.parent is not None:
            ctx.link_columns.setdefault(table.parent, set()).add(table.parent_link.parent_column)
        ctx.stats[table.resource] = TableStats(table=table.endpoint, resource=table.resource)
    schema = dlt.Schema(SOURCE_NAME, normalizers={"names": "direct"})

    @dlt.source(schema=schema, max_table_nesting=0)
    def legacy_4d() -> Any:
        return [_resource(ctx, table) for table in tables]

    return legacy_4d()
