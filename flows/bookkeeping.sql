-- The sync's own bookkeeping, in schema pyerp_sync (contracts.md). Created idempotently by flows/history.py.
-- Nothing here is a pyERP table: pyERP reads sync_history through an unmanaged Django model (README).

-- Only when missing: CREATE SCHEMA (even with IF NOT EXISTS) needs CREATE on the database, which a least-privilege
-- role that was given the schema beforehand does not have (README, "Least-privilege database role").
do $$
begin
    if not exists (select from pg_namespace where nspname = 'pyerp_sync') then
        create schema pyerp_sync;
    end if;
end
$$;

-- One row per run of the pipeline (scheduled, by hand, or a dry run).
create table if not exists pyerp_sync.runs (
    run_id uuid primary key,
    flow_run_id text,
    mode text not null check (mode in ('full', 'incremental', 'publish')),
    only_entities text [],
    is_dry_run boolean not null default false,
    status text not null check (status in ('running', 'succeeded', 'failed')),
    failed_step text,
    error_class text check (
        error_class in (
            'source_unavailable', 'authentication', 'session_limit', 'data_test_failed',
            'publish_failed', 'already_running', 'configuration', 'database', 'internal'
        )
    ),
    error_message text,
    started_at timestamptz not null default now(),
    completed_at timestamptz,
    -- wall seconds of each step of this run (null: the step did not run)
    extract_seconds numeric(12, 3),
    dbt_seconds numeric(12, 3),
    publish_seconds numeric(12, 3)
);
create index if not exists runs_started_at on pyerp_sync.runs (started_at desc);
-- Columns added after the first release: a schema created by an older version gains them here.
alter table pyerp_sync.runs add column if not exists extract_seconds numeric(12, 3);
alter table pyerp_sync.runs add column if not exists dbt_seconds numeric(12, 3);
alter table pyerp_sync.runs add column if not exists publish_seconds numeric(12, 3);

-- One row per run and pyERP table: the real row changes publish made, and what extract and dbt saw.
create table if not exists pyerp_sync.run_entities (
    run_id uuid not null references pyerp_sync.runs (run_id) on delete cascade,
    entity text not null,
    extracted bigint not null default 0,
    rejected bigint not null default 0,
    warnings bigint not null default 0,
    created bigint not null default 0,
    updated bigint not null default 0,
    unchanged bigint not null default 0,
    deactivated bigint not null default 0,
    deleted_reported bigint not null default 0,
    conflicts bigint not null default 0,
    seconds numeric(12, 3) not null default 0,
    primary key (run_id, entity)
);

-- Per published pyERP row: the mart content we last wrote and the hash of the pyERP row right after we wrote it.
-- A pyERP row whose current hash differs from target_hash was edited in pyERP since (a conflict if 4D changed too).
create table if not exists pyerp_sync.published_rows (
    entity text not null,
    target_id bigint not null,
    mart_hash text not null,
    target_hash text not null,
    run_id uuid not null,
    published_at timestamptz not null default now(),
    primary key (entity, target_id)
);

-- Incremental publishes skip mart rows whose hash is already published by one hash anti-join per entity, which
-- needs no index on mart_hash; maintaining one (random md5 keys) doubled the cost of publishing new rows.
drop index if exists pyerp_sync.published_rows_mart_hash;

-- Rows dbt rejected, per run: what was not published and why (warnings were published and are listed too). A run
-- copies the rejects of the entities it rebuilt (legacy_marts.sync_rejects), dry runs and failed runs included.
create table if not exists pyerp_sync.rejects (
    run_id uuid not null references pyerp_sync.runs (run_id) on delete cascade,
    entity text not null,
    legacy_key text not null,
    business_key text,
    reason text not null,
    severity text not null check (severity in ('error', 'warning')),
    details jsonb
);
create index if not exists rejects_entity on pyerp_sync.rejects (entity, run_id);
alter table pyerp_sync.rejects add column if not exists business_key text;
-- Before details was a JSON object it was free text: a text column becomes jsonb once (a no-op afterwards). Text
-- holding a JSON object keeps it; any other text becomes a JSON string of itself; empty text becomes NULL.
do $$
begin
    if exists (
        select from information_schema.columns
        where table_schema = 'pyerp_sync' and table_name = 'rejects' and column_name = 'details'
            and data_type <> 'jsonb'
    ) then
        create function pg_temp.pyerp_sync_details_as_jsonb(value text) returns jsonb
        language plpgsql immutable as $function$
        declare
            parsed jsonb;
        begin
            if nullif(btrim(value), '') is null then
                return null;
            end if;
            begin
                parsed := value::jsonb;
            exception when others then
                return to_jsonb(value);
            end;
            return case when jsonb_typeof(parsed) = 'object' then parsed else to_jsonb(value) end;
        end
        $function$;
        alter table pyerp_sync.rejects
        alter column details type jsonb using pg_temp.pyerp_sync_details_as_jsonb(details::text);
        drop function pg_temp.pyerp_sync_details_as_jsonb(text);
    end if;
end
$$;

-- The rejects as a current state: one row per pyERP table, 4D key and reason, from the first run that saw it to
-- the run that resolved it. Moved only by a run whose publish commits, in the same transaction (flows/rejects.py):
-- a reject seen again refreshes last_seen, business_key, severity and details (and reopens a resolved one); an open
-- reject of an entity the run rebuilt that the run no longer saw is resolved by it. Entities the run did not
-- rebuild, dry runs and failed runs leave it as it was.
do $$
begin
    if to_regclass('pyerp_sync.reject_state') is null then
        create table pyerp_sync.reject_state (
            entity text not null,
            legacy_key text not null,
            reason text not null,
            business_key text,
            severity text not null check (severity in ('error', 'warning')),
            -- the view's details object; an array of them when the row failed one reason in several ways
            details jsonb,
            first_seen_run uuid not null,
            first_seen_at timestamptz not null,
            last_seen_run uuid not null,
            last_seen_at timestamptz not null,
            resolved_run uuid,
            resolved_at timestamptz,
            primary key (entity, legacy_key, reason)
        );
        -- A database from before this table: the latest published copy of each entity's rejects is its open state,
        -- until the next run that rebuilds the entity confirms or resolves it.
        with latest as (
            select distinct on (rejects.entity) rejects.entity, rejects.run_id, runs.started_at
            from pyerp_sync.rejects as rejects
            inner join pyerp_sync.runs as runs on rejects.run_id = runs.run_id
            where runs.status = 'succeeded' and not runs.is_dry_run
            order by rejects.entity, runs.started_at desc
        )
        insert into pyerp_sync.reject_state (
            entity, legacy_key, reason, business_key, severity, details,
            first_seen_run, first_seen_at, last_seen_run, last_seen_at
        )
        select distinct on (rejects.entity, rejects.legacy_key, rejects.reason)
            rejects.entity, rejects.legacy_key, rejects.reason, rejects.business_key, rejects.severity,
            rejects.details, latest.run_id, latest.started_at, latest.run_id, latest.started_at
        from pyerp_sync.rejects as rejects
        inner join latest on rejects.entity = latest.entity and rejects.run_id = latest.run_id
        order by rejects.entity, rejects.legacy_key, rejects.reason;
    end if;
end
$$;

-- A pyERP row edited in pyERP while 4D changed it too. Both versions are kept; policy or a person decides.
create table if not exists pyerp_sync.conflicts (
    conflict_id bigserial primary key,
    run_id uuid not null,
    entity text not null,
    target_id bigint not null,
    policy text not null,
    status text not null check (status in ('open', 'resolved')),
    resolution text check (resolution in ('source', 'target')),
    resolved_by text,
    source_version jsonb not null,
    target_version jsonb not null,
    source_hash text not null,
    detected_at timestamptz not null default now(),
    resolved_at timestamptz
);
create unique index if not exists conflicts_one_open_per_row
on pyerp_sync.conflicts (entity, target_id) where status = 'open';

-- Pins: publish never overwrites this pyERP row (column_name null) or this one column of it.
create table if not exists pyerp_sync.overrides (
    override_id bigserial primary key,
    entity text not null,
    target_id bigint not null,
    column_name text,
    reason text not null default '',
    created_at timestamptz not null default now()
);
create unique index if not exists overrides_unique
on pyerp_sync.overrides (entity, target_id, coalesce(column_name, ''));

-- Shaped like the original plan's SyncHistory model, for an unmanaged Django model in pyERP's admin.
create or replace view pyerp_sync.sync_history as
select
    runs.run_id as id,
    'legacy-sync ' || runs.mode || case when runs.is_dry_run then ' (dry run)' else '' end as task_name,
    coalesce(array_to_string(runs.only_entities, ','), 'all') as config_path,
    runs.started_at,
    runs.completed_at,
    case runs.status when 'succeeded' then 'completed' else runs.status end as status,
    coalesce(
        (
            select
                jsonb_object_agg(
                    entities.entity,
                    jsonb_build_object(
                        'extracted', entities.extracted, 'rejected', entities.rejected,
                        'created', entities.created, 'updated', entities.updated,
                        'unchanged', entities.unchanged, 'deactivated', entities.deactivated,
                        'conflicts', entities.conflicts, 'seconds', entities.seconds
                    )
                )
            from pyerp_sync.run_entities as entities
            where entities.run_id = runs.run_id
        ),
        '{}'::jsonb
    ) as stats,
    coalesce(runs.error_message, '') as error_message
from pyerp_sync.runs as runs;

-- Per raw table: the newest dlt load that a successful run has carried all the way into pyERP. A run rebuilds and
-- publishes only what has newer loads (and what depends on it), so a run that failed after extract is made good
-- by the next one instead of being skipped as "nothing new".
create table if not exists pyerp_sync.raw_watermarks (
    raw_table text primary key,
    load_id numeric not null,
    run_id uuid not null,
    updated_at timestamptz not null default now()
);
