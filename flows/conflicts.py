"""Conflicts and overrides: what a person decides when pyERP and 4D both changed a row, and pins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from psycopg2 import sql
from psycopg2.extras import Json

from flows.entities import entity as entity_named
from flows.errors import ErrorClass, SyncError
from flows.publish import row_hash, target_shape


class ConflictError(SyncError):
    """A conflict or override command cannot be carried out. One-line message."""

    error_class = ErrorClass.CONFIGURATION


@dataclass
class Conflict:
    conflict_id: int
    entity: str
    target_id: int
    policy: str
    status: str
    resolution: str | None
    detected_at: datetime
    source_version: dict[str, object]
    target_version: dict[str, object]

    @property
    def differing_columns(self) -> list[str]:
        return [c for c in self.source_version if self.source_version.get(c) != self.target_version.get(c)]

    def to_json(self) -> dict[str, object]:
        return {**self.__dict__, "detected_at": self.detected_at.isoformat(), "differs": self.differing_columns}


def list_conflicts(conn, entity: str | None = None, include_resolved: bool = False, limit: int = 200) -> list[Conflict]:
    if entity is not None:
        entity_named(entity)  # a clear error for an unknown name
    with conn.cursor() as cur:
        cur.execute(
            "select conflict_id, entity, target_id, policy, status, resolution, detected_at, source_version, "
            "target_version from pyerp_sync.conflicts where (%(entity)s::text is null or entity = %(entity)s) "
            "and (%(all)s or status = 'open') order by conflict_id desc limit %(limit)s",
            {"entity": entity, "all": include_resolved, "limit": limit},
        )
        return [Conflict(*row) for row in cur.fetchall()]


def resolve_conflict(
    conn, target_schema: str, conflict_id: int, take: Literal["source", "target"], resolved_by: str
) -> Conflict:
    """Apply a person's decision in one transaction: write the 4D version (``source``) or keep pyERP's
    (``target``), and make the result the new baseline so the next run does not raise the conflict again."""
    with conn.cursor() as cur:
        cur.execute(
            "select entity, target_id, source_version, source_hash, status from pyerp_sync.conflicts "
            "where conflict_id = %s for update",
            (conflict_id,),
        )
        found = cur.fetchone()
        if found is None:
            raise ConflictError(f"no conflict with id {conflict_id}")
        table, target_id, source_version, source_hash, status = found
        if status != "open":
            raise ConflictError(f"conflict {conflict_id} is already resolved")
        entity = entity_named(table)
        shape = target_shape(cur, target_schema, entity)
        target = sql.Identifier(target_schema, table)
        if take == "source":
            columns = [c for c in shape.hashed if c in source_version]
            stamps = sql.SQL("").join(sql.SQL(", {} = now()").format(sql.Identifier(c)) for c in shape.update_stamps)
            cur.execute(
                sql.SQL(
                    "update {target} as target set {sets}{stamps} "
                    "from jsonb_populate_record(null::{target}, %s) as chosen where target.id = %s"
                ).format(
                    target=target,
                    sets=sql.SQL(", ").join(sql.SQL("{c} = chosen.{c}").format(c=sql.Identifier(c)) for c in columns),
                    stamps=stamps,
                ),
                (Json(source_version), target_id),
            )
            if cur.rowcount != 1:
                raise ConflictError(f"the pyERP row {table} id {target_id} of conflict {conflict_id} is gone")
        cur.execute(
            sql.SQL(
                "insert into pyerp_sync.published_rows (entity, target_id, mart_hash, target_hash, run_id) "
                "select %s, target.id, %s, {hash}, run_id from {target} as target, pyerp_sync.conflicts "
                "where target.id = %s and conflict_id = %s "
                "on conflict (entity, target_id) do update set mart_hash = excluded.mart_hash, "
                "target_hash = excluded.target_hash, published_at = now()"
            ).format(hash=row_hash("target", shape.hashed), target=target),
            (table, source_hash, target_id, conflict_id),
        )
        cur.execute(
            "update pyerp_sync.conflicts set status = 'resolved', resolution = %s, resolved_by = %s, "
            "resolved_at = now() where conflict_id = %s",
            (take, resolved_by, conflict_id),
        )
    conn.commit()
    return next(c for c in list_conflicts(conn, table, include_resolved=True) if c.conflict_id == conflict_id)


@dataclass
class Override:
    override_id: int
    entity: str
    target_id: int
    column_name: str | None
    reason: str
    created_at: datetime

    def to_json(self) -> dict[str, object]:
        return {**self.__dict__, "created_at": self.created_at.isoformat()}


def add_override(conn, target_schema: str, table: str, target_id: int, column: str | None, reason: str) -> Override:
    """Pin a pyERP row (or one column of it) so publish never overwrites it."""
    entity = entity_named(table)
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("select 1 from {} where id = %s").format(sql.Identifier(target_schema, table)), (target_id,)
        )
        if cur.fetchone() is None:
            raise ConflictError(f"{table} has no row with id {target_id}")
        if column is not None:
            shape = target_shape(cur, target_schema, entity)
            if column not in shape.hashed:
                raise ConflictError(f"{table}.{column} is not a column publish writes: {', '.join(shape.hashed)}")
        cur.execute(
            "insert into pyerp_sync.overrides (entity, target_id, column_name, reason) values (%s, %s, %s, %s) "
            "on conflict (entity, target_id, coalesce(column_name, '')) do update set reason = excluded.reason "
            "returning override_id, entity, target_id, column_name, reason, created_at",
            (table, target_id, column, reason),
        )
        override = Override(*cur.fetchone())
    conn.commit()
    return override


def list_overrides(conn, entity: str | None = None) -> list[Override]:
    with conn.cursor() as cur:
        cur.execute(
            "select override_id, entity, target_id, column_name, reason, created_at from pyerp_sync.overrides "
            "where %(entity)s::text is null or entity = %(entity)s order by override_id",
            {"entity": entity},
        )
        return [Override(*row) for row in cur.fetchall()]


def remove_override(conn, override_id: int) -> None:
    with conn.cursor() as cur:
        cur.execute("delete from pyerp_sync.overrides where override_id = %s", (override_id,))
        if cur.rowcount == 0:
            raise ConflictError(f"no override with id {override_id}")
    conn.commit()
