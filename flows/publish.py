"""Publish: apply the changed mart rows to pyERP's tables, in one transaction, set-based (write-audit-publish).

For every entity (flows/entities.py), in foreign-key order:

1. one ``CREATE TEMP TABLE … AS SELECT`` joins the mart with the pyERP rows its foreign keys name (natural key →
   surrogate id), with the pyERP row it matches, and with what we last published there; each row gets an action;
2. one ``INSERT … SELECT``, one ``UPDATE … FROM`` and one deactivating ``UPDATE`` apply the actions (PostgreSQL 15
   has no ``MERGE … RETURNING``, so the figures are the row counts of these statements);
3. the hashes of what was written are stored, so the next run sees both a changed mart row (``content_hash``) and
   a pyERP row edited in pyERP since (its current hash differs from the one stored).

The caller owns the transaction: it commits after every entity succeeded, or rolls back (a failure, a dry run).
Nothing here creates, alters, truncates or drops a pyERP table, or adds a constraint or index to one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict

from psycopg2 import sql

from flows.entities import Entity
from flows.errors import ErrorClass, SyncError
from flows.settings import MARTS_SCHEMA

# Django's auto_now_add / auto_now columns (pyerp-schema.md's "Stamps"): publish sets them as Django would, the
# marts never carry them.
AUTO_NOW_ADD = ("created_at", "date_stored")
AUTO_NOW = ("updated_at", "modified_at")
# Mart columns that are not pyERP columns: the merge key material and the change bookkeeping.
MART_ONLY = ("content_hash", "is_deleted", "source_modified_at")
SAMPLE_SIZE = 5


class PublishError(SyncError):
    """Publishing cannot go on; the transaction must be rolled back. One-line message."""

    error_class = ErrorClass.PUBLISH_FAILED


class Sample(TypedDict):
    """One row a dry run would change: its action, its target id and, per changed column, [before, after]."""

    action: str
    target_id: int | None
    changes: dict[str, list[object]]


@dataclass
class EntityFigures:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    deleted_reported: int = 0
    conflicts: int = 0
    pinned: int = 0
    seconds: float = 0.0
    samples: list[Sample] = field(default_factory=list)


@dataclass(frozen=True)
class Shape:
    """The columns publish handles for one entity, read from the live tables."""

    written: tuple[str, ...]  # copied from the mart
    foreign_keys: tuple[str, ...]  # resolved ids
    insert_stamps: tuple[str, ...]
    update_stamps: tuple[str, ...]
    target_stamp: str | None  # the pyERP row's last-change time, for newest_wins
    types: tuple[tuple[str, str], ...] = ()  # pyERP column → its type as PostgreSQL spells it
    id_sequence: str | None = None  # the sequence behind pyERP's ``id`` (bigserial / identity)

    @property
    def hashed(self) -> tuple[str, ...]:
        return self.written + self.foreign_keys


def _columns(cur, schema: str, table: str) -> list[tuple[str, str]]:
    cur.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute as a "
        "join pg_class as c on c.oid = a.attrelid join pg_namespace as n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relname = %s and a.attnum > 0 and not a.attisdropped order by a.attnum",
        (schema, table),
    )
    return cur.fetchall()


def target_shape(cur, target_schema: str, entity: Entity) -> Shape:
    typed = _columns(cur, target_schema, entity.table)
    if not typed:
        raise PublishError(f"pyERP table {target_schema}.{entity.table} does not exist")
    target = [name for name, _ in typed]
    mart = [name for name, _ in _columns(cur, MARTS_SCHEMA, entity.table)]
    if not mart:
        raise PublishError(f"mart {MARTS_SCHEMA}.{entity.table} does not exist: run dbt build first")
    missing = [c for fk in entity.foreign_keys for c in fk.natural_key_columns if c not in mart]
    missing += [c for c in MART_ONLY if c not in mart]
    if missing:
        raise PublishError(f"mart {MARTS_SCHEMA}.{entity.table} lacks column(s) {', '.join(missing)}")
    fk_columns = tuple(fk.target_column for fk in entity.foreign_keys)
    stamps = AUTO_NOW_ADD + AUTO_NOW
    written = tuple(c for c in target if c in mart and c != "id" and c not in fk_columns and c not in stamps)
    cur.execute("select pg_get_serial_sequence(%s, 'id')", (f'"{target_schema}"."{entity.table}"',))
    return Shape(
        written=written,
        foreign_keys=fk_columns,
        insert_stamps=tuple(c for c in target if c in stamps),
        update_stamps=tuple(c for c in target if c in AUTO_NOW),
        target_stamp=next((c for c in AUTO_NOW if c in target), None),
        types=tuple(typed),
        id_sequence=cur.fetchone()[0],
    )


def row_hash(alias: str, columns: tuple[str, ...]) -> sql.Composable:
    fields = sql.SQL(", ").join(sql.SQL("{}.{}").format(sql.Identifier(alias), sql.Identifier(c)) for c in columns)
    return sql.SQL("md5(row({})::text)").format(fields)


def _written_hash(shape: Shape, value_of: Callable[[str], sql.Composable]) -> sql.Composable:
    """``row_hash`` of the pyERP row an insert or update of these values leaves behind, computed before writing:
    each value is cast to its pyERP column's type, which is what the write itself does to it."""
    types = dict(shape.types)
    return sql.SQL("md5(row({})::text)").format(
        sql.SQL(", ").join(sql.SQL("({})::{}").format(value_of(c), sql.SQL(types[c])) for c in shape.hashed)
    )


def _take_source(entity: Entity) -> str:
    """When a row edited in pyERP is overwritten anyway, by the entity's conflict policy."""
    return {
        "source_wins": "true",
        "target_wins": "false",
        "manual": "false",
        "newest_wins": (
            "(_target_changed_at is null or source_modified_at is null or source_modified_at > _target_changed_at)"
        ),
    }[entity.conflict_policy]


def _action(entity: Entity) -> str:
    """Each mart row's action, from what it matched in pyERP and what we last published there."""
    edited = "_published_target_hash is not null and _current_target_hash <> _published_target_hash"
    conflict_action = "'conflict_open'" if entity.conflict_policy == "manual" else "'conflict_target'"
    return f"""case
            when is_deleted and _matched_id is null then 'skip_deleted'
            when _matched_id is null then 'insert'
            when content_hash = _published_mart_hash then 'unchanged'
            when '*' = any(_pinned) then 'pinned'
            when is_deleted then 'delete'
            when {edited} and {_take_source(entity)} then 'conflict_source'
            when {edited} then {conflict_action}
            else 'update'
        end"""


def _build_source(cur, target_schema: str, entity: Entity, shape: Shape, only_changed: bool) -> int:
    """The temp table ``_src``, in one statement: mart rows with resolved ids, the pyERP row each matches, what we
    last published there, the action, the id a new row gets, and the hash of the row as it will be written.

    New rows take their ids from pyERP's own sequence here, as the column default would, so the insert needs no
    ``RETURNING`` pass to learn them. ``only_changed`` (incremental runs): leave out, by one anti-join on the stored
    hashes, the mart rows published as they are, so the joins below touch only what changed; returns how many
    were left out (all unchanged)."""
    if shape.id_sequence is None:
        raise PublishError(f"pyERP table {target_schema}.{entity.table}: its id column has no sequence")
    target = sql.Identifier(target_schema, entity.table)
    joins: list[sql.Composable] = []
    resolved: dict[str, sql.Composable] = {}  # foreign-key column → the expression of its pyERP id
    for index, fk in enumerate(entity.foreign_keys):
        if fk.references == entity.table:
            # a self-reference is resolved after this entity's inserts (see _resolve_self_references)
            resolved[fk.target_column] = sql.SQL("null::bigint")
            continue
        alias = sql.Identifier(f"fk{index}")
        condition = sql.SQL(" and ").join(
            sql.SQL("{}.{} = mart.{}").format(alias, sql.Identifier(ref), sql.Identifier(nat))
            for nat, ref in zip(fk.natural_key_columns, fk.references_columns, strict=True)
        )
        joins.append(
            sql.SQL("left join {} as {} on {}").format(sql.Identifier(target_schema, fk.references), alias, condition)
        )
        resolved[fk.target_column] = sql.SQL("{}.id").format(alias)
    fk_ids = [sql.SQL("{} as {}").format(expr, sql.Identifier(column)) for column, expr in resolved.items()]
    match = sql.SQL(" and ").join(
        sql.SQL("target.{} = {}").format(
            sql.Identifier(c), resolved.get(c, sql.SQL("mart.{}").format(sql.Identifier(c)))
        )
        for c in entity.match
    )
    matched = sql.SQL(
        "select mart.*, {fk_ids}, target.id as _matched_id, {current_hash} as _current_target_hash, "
        "published.mart_hash as _published_mart_hash, published.target_hash as _published_target_hash, "
        "{target_stamp} as _target_changed_at, pins.columns as _pinned "
        "from {mart} as mart {joins} "
        "left join {target} as target on {match} "
        "left join pyerp_sync.published_rows as published "
        "on published.entity = {entity} and published.target_id = target.id "
        "left join (select target_id, array_agg(coalesce(column_name, '*')) as columns from pyerp_sync.overrides "
        "where entity = {entity} group by target_id) as pins on pins.target_id = target.id "
        "{changed}"
    ).format(
        changed=(
            sql.SQL(
                "where not exists (select 1 from pyerp_sync.published_rows as done "
                "where done.entity = {entity} and done.mart_hash = mart.content_hash)"
            ).format(entity=sql.Literal(entity.table))
            if only_changed
            else sql.SQL("")
        ),
        fk_ids=sql.SQL(", ").join(fk_ids) if fk_ids else sql.SQL("null as _no_fk"),
        current_hash=sql.SQL("case when target.id is not null then {} end").format(row_hash("target", shape.hashed)),
        target_stamp=(
            sql.SQL("target.{}").format(sql.Identifier(shape.target_stamp))
            if shape.target_stamp
            else sql.SQL("null::timestamptz")
        ),
        mart=sql.Identifier(MARTS_SCHEMA, entity.table),
        joins=sql.SQL(" ").join(joins),
        target=target,
        match=match,
        entity=sql.Literal(entity.table),
    )
    # The action is computed in an inner select so that nextval runs only for the rows that are inserted;
    # ``_target_id`` is the pyERP row each mart row writes: the one it matched, or the new one.
    cur.execute(
        sql.SQL(
            "create temp table _src on commit drop as "
            "select classified.*, "
            "case when _action = 'insert' then nextval({sequence}) else _matched_id end as _target_id, "
            "case when _action in ('insert', 'update', 'conflict_source') then {written_hash} end as _written_hash "
            "from (select matched.*, {action} as _action from ({matched}) as matched) as classified"
        ).format(
            sequence=sql.Literal(shape.id_sequence),
            action=sql.SQL(_action(entity)),
            matched=matched,
            written_hash=_written_hash(shape, lambda column: sql.Identifier("classified", column)),
        )
    )
    if not only_changed:
        return 0
    cur.execute(
        sql.SQL("select (select count(*) from {mart}) - (select count(*) from _src)").format(
            mart=sql.Identifier(MARTS_SCHEMA, entity.table)
        )
    )
    return cur.fetchone()[0]


def _check_source(cur, entity: Entity) -> None:
    """Refuse, before writing anything, what would corrupt pyERP: ambiguous matches, unresolvable references."""
    cur.execute("select count(*) - count(distinct _matched_id) from _src where _matched_id is not null")
    (doubled,) = cur.fetchone()
    if doubled:
        raise PublishError(
            f"{entity.table}: {doubled} pyERP row(s) match more than one mart row, or a mart row matches several "
            f"pyERP rows on ({', '.join(entity.match)}); fix the duplicates in pyERP first"
        )
    required = [fk for fk in entity.foreign_keys if fk.required and fk.references != entity.table]
    if not required:
        return
    # one pass over _src for all of the entity's required references
    cur.execute(
        sql.SQL("select {} from _src where not is_deleted").format(
            sql.SQL(", ").join(
                sql.SQL(
                    "count(*) filter (where {fk} is null), min(concat_ws('/', {natural})) filter (where {fk} is null)"
                ).format(
                    fk=sql.Identifier(fk.target_column),
                    natural=sql.SQL(", ").join(sql.Identifier(c) for c in fk.natural_key_columns),
                )
                for fk in required
            )
        )
    )
    found = cur.fetchone()
    for index, fk in enumerate(required):
        count, example = found[2 * index], found[2 * index + 1]
        if count:
            raise PublishError(
                f"{entity.table}: {count} row(s) reference a missing {fk.references} "
                f"({', '.join(fk.natural_key_columns)} = {example!r} …)"
            )


def _set_list(shape: Shape, columns: tuple[str, ...]) -> sql.Composable:
    """``col = case when col is pinned then target.col else _src.col end`` for an UPDATE."""
    return sql.SQL(", ").join(
        sql.SQL(
            "{c} = case when {name} = any(coalesce(_src._pinned, '{{}}')) then target.{c} else _src.{c} end"
        ).format(c=sql.Identifier(c), name=sql.Literal(c))
        for c in columns
    )


def _action_counts(cur) -> dict[str, int]:
    cur.execute("select _action, count(*) from _src group by _action")
    return dict(cur.fetchall())


def _apply(
    cur, target_schema: str, entity: Entity, shape: Shape, figures: EntityFigures, actions: dict[str, int]
) -> None:
    """The writes, one set-based statement per kind of change; a kind no row needs is not run at all."""
    target = sql.Identifier(target_schema, entity.table)
    columns = shape.hashed
    if actions.get("insert"):
        cur.execute(
            sql.SQL(
                "insert into {target} (id, {cols}) select _target_id, {vals} from _src where _action = 'insert'"
            ).format(
                target=target,
                cols=sql.SQL(", ").join(sql.Identifier(c) for c in columns + shape.insert_stamps),
                vals=sql.SQL(", ").join(
                    [sql.Identifier(c) for c in columns] + [sql.SQL("now()") for _ in shape.insert_stamps]
                ),
            )
        )
        figures.created = cur.rowcount

    stamps = sql.SQL("").join(sql.SQL(", {} = now()").format(sql.Identifier(c)) for c in shape.update_stamps)
    if actions.get("update") or actions.get("conflict_source"):
        cur.execute(
            sql.SQL(
                "update {target} as target set {sets}{stamps} from _src "
                "where target.id = _src._target_id and _src._action in ('update', 'conflict_source')"
            ).format(target=target, sets=_set_list(shape, columns), stamps=stamps)
        )
        figures.updated = cur.rowcount

    if not actions.get("delete"):
        pass
    elif entity.deactivate_column:
        cur.execute(
            sql.SQL(
                "update {target} as target set {col} = false{stamps} from _src "
                "where target.id = _src._target_id and _src._action = 'delete' and target.{col}"
            ).format(target=target, col=sql.Identifier(entity.deactivate_column), stamps=stamps)
        )
        figures.deactivated = cur.rowcount
    else:
        figures.deleted_reported = actions["delete"]
    _resolve_self_references(cur, target_schema, entity)


def _resolve_self_references(cur, target_schema: str, entity: Entity) -> None:
    """Self-referencing keys (a category's parent) point at rows this very run may have inserted."""
    target = sql.Identifier(target_schema, entity.table)
    for fk in entity.foreign_keys:
        if fk.references != entity.table:
            continue
        condition = sql.SQL(" and ").join(
            sql.SQL("parent.{} = _src.{}").format(sql.Identifier(ref), sql.Identifier(nat))
            for nat, ref in zip(fk.natural_key_columns, fk.references_columns, strict=True)
        )
        cur.execute(
            sql.SQL(
                "update {target} as target set {col} = parent.id from _src left join {target} as parent on {cond} "
                "where target.id = _src._target_id and _src._action in ('insert', 'update', 'conflict_source') "
                "and target.{col} is distinct from parent.id"
            ).format(target=target, col=sql.Identifier(fk.target_column), cond=condition)
        )
        cur.execute(
            sql.SQL(
                "update _src set {col} = target.{col} from {target} as target where target.id = _src._target_id"
            ).format(target=target, col=sql.Identifier(fk.target_column))
        )


def _version(alias: str, columns: tuple[str, ...]) -> sql.Composable:
    """A row's published columns as jsonb, for the two versions of a conflict."""
    return sql.SQL("jsonb_build_object({})").format(
        sql.SQL(", ").join(
            sql.SQL("{}, {}.{}").format(sql.Literal(c), sql.Identifier(alias), sql.Identifier(c)) for c in columns
        )
    )


def _record_conflicts(
    cur, target_schema: str, entity: Entity, shape: Shape, run_id: str, figures: EntityFigures
) -> None:
    """Record each conflict with both versions, before anything is written (the pyERP version as it was)."""
    target = sql.Identifier(target_schema, entity.table)
    cur.execute(
        sql.SQL(
            "insert into pyerp_sync.conflicts (run_id, entity, target_id, policy, status, resolution, resolved_by, "
            "source_version, target_version, source_hash, resolved_at) "
            "select {run}, {entity}, _src._target_id, {policy}, "
            "case when _action = 'conflict_open' then 'open' else 'resolved' end, "
            "case _action when 'conflict_source' then 'source' when 'conflict_target' then 'target' end, "
            "case when _action = 'conflict_open' then null else 'policy' end, {source}, {target_version}, "
            "_src.content_hash, "
            "case when _action = 'conflict_open' then null else now() end "
            "from _src join {target} as target on target.id = _src._target_id "
            "where _action like 'conflict%' "
            "on conflict (entity, target_id) where status = 'open' do update set "
            "source_version = excluded.source_version, target_version = excluded.target_version, "
            "source_hash = excluded.source_hash, run_id = excluded.run_id"
        ).format(
            run=sql.Literal(run_id),
            entity=sql.Literal(entity.table),
            policy=sql.Literal(entity.conflict_policy),
            source=_version("_src", shape.hashed),
            target_version=_version("target", shape.hashed),
            target=target,
        )
    )
    figures.conflicts = cur.rowcount


def _record_published(
    cur, target_schema: str, entity: Entity, shape: Shape, run_id: str, figures: EntityFigures
) -> None:
    """Store the hashes of what was written: the baseline the next run compares pyERP's rows with.

    A row written whole holds exactly the values hashed in ``_written_hash``, and a row left to pyERP's version
    holds ``_current_target_hash``; only the rest (pinned columns, deactivations, self-references set after the
    insert) is hashed from the pyERP row itself."""
    target = sql.Identifier(target_schema, entity.table)
    self_referencing = any(fk.references == entity.table for fk in entity.foreign_keys)
    # An open (manual) conflict keeps the old baseline so it stays visible until someone resolves it.
    cur.execute(
        sql.SQL(
            "insert into pyerp_sync.published_rows (entity, target_id, mart_hash, target_hash, run_id) "
            "select {entity}, _src._target_id, _src.content_hash, case "
            "when {whole} and _src._pinned is null and _src._action in ('insert', 'update', 'conflict_source') "
            "then _src._written_hash "
            "when _src._action = 'conflict_target' then _src._current_target_hash "
            "else (select {hash} from {target} as target where target.id = _src._target_id) end, {run} from _src "
            "where _src._action in ('insert', 'update', 'delete', 'conflict_source', 'conflict_target') "
            "on conflict (entity, target_id) do update set mart_hash = excluded.mart_hash, "
            "target_hash = excluded.target_hash, run_id = excluded.run_id, published_at = now()"
        ).format(
            entity=sql.Literal(entity.table),
            whole=sql.SQL("false" if self_referencing else "true"),
            hash=row_hash("target", shape.hashed),
            run=sql.Literal(run_id),
            target=target,
        )
    )


def _sample_diffs(cur, target_schema: str, entity: Entity, shape: Shape) -> list[Sample]:
    """A few rows that would change, column by column (before they are written)."""
    cur.execute(
        sql.SQL(
            "select _src._action, _src._target_id, to_jsonb(target), to_jsonb(_src) from (select * from _src "
            "where _action not in ('unchanged', 'skip_deleted', 'pinned') order by _action limit {n}) as _src "
            "left join {target} as target on target.id = _src._target_id order by _src._action"
        ).format(target=sql.Identifier(target_schema, entity.table), n=sql.Literal(SAMPLE_SIZE))
    )
    samples: list[Sample] = []
    for action, target_id, before, after in cur.fetchall():
        before = before or {}
        changes = {c: [before.get(c), after.get(c)] for c in shape.hashed if before.get(c) != after.get(c)}
        samples.append({"action": action, "target_id": target_id, "changes": changes})
    return samples


def publish_entity(
    conn, target_schema: str, entity: Entity, run_id: str, with_samples: bool = False, only_changed: bool = False
) -> EntityFigures:
    """Apply one entity's changed mart rows inside the caller's transaction."""
    started = time.perf_counter()
    figures = EntityFigures()
    with conn.cursor() as cur:
        cur.execute("drop table if exists _src")
        shape = target_shape(cur, target_schema, entity)
        left_out = _build_source(cur, target_schema, entity, shape, only_changed)
        _check_source(cur, entity)
        actions = _action_counts(cur)
        # Temp tables are never auto-analyzed: without statistics the planner joins them by nested loop.
        cur.execute("analyze _src (_target_id, _action)")
        if with_samples:
            figures.samples = _sample_diffs(cur, target_schema, entity, shape)
        if any(action.startswith("conflict") for action in actions):
            _record_conflicts(cur, target_schema, entity, shape, run_id, figures)
        _apply(cur, target_schema, entity, shape, figures, actions)
        _record_published(cur, target_schema, entity, shape, run_id, figures)
        figures.unchanged = actions.get("unchanged", 0) + left_out
        figures.pinned = actions.get("pinned", 0)
        cur.execute("drop table _src")
    figures.seconds = time.perf_counter() - started
    return figures


def apply_marts(
    conn,
    target_schema: str,
    entities: tuple[Entity, ...],
    run_id: str,
    dry_run: bool = False,
    only_changed: bool = False,
) -> dict[str, EntityFigures]:
    """Publish every entity in order inside the caller's transaction, and leave it open: the run commits it
    together with its figures (``commit_published``), so pyERP's rows and the figures describing them commit
    together or not at all. Rolled back here on failure and after a dry run (whose figures carry sample diffs)."""
    try:
        results = {
            entity.table: publish_entity(
                conn, target_schema, entity, run_id, with_samples=dry_run, only_changed=only_changed
            )
            for entity in entities
        }
    except Exception:
        conn.rollback()
        raise
    if dry_run:
        conn.rollback()
    return results


def commit_published(conn) -> None:
    """Commit what ``apply_marts`` wrote; then the next run's anti-join plans from fresh statistics (autovacuum
    may not have caught up with a big publish)."""
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("analyze pyerp_sync.published_rows")
    conn.commit()


def publish(
    conn,
    target_schema: str,
    entities: tuple[Entity, ...],
    run_id: str,
    dry_run: bool = False,
    only_changed: bool = False,
) -> dict[str, EntityFigures]:
    """``apply_marts`` and, unless a dry run, commit: publishing with no figures to commit alongside."""
    results = apply_marts(conn, target_schema, entities, run_id, dry_run, only_changed)
    if not dry_run:
        commit_published(conn)
    return results
