{{ config(unique_key='name') }}

{#- pyERP's inventory_boxtype: the valid rows of
    int_inventory_boxtype_validated, cast to pyERP's column types, with their
    content hash. Incremental: only new rows and rows whose content hash
    changed are merged (on name). Keys no source row derives any more are
    merged once more with is_deleted = true (and active = false where the
    table has it). -#}

with

validated as (

    select * from {{ ref('int_inventory_boxtype_validated') }}

),

valid_rows as (

    select
        validated.legacy_modified::timestamptz as legacy_modified,
        validated.is_synchronized::boolean as is_synchronized,
        validated.name::varchar(100) as name,  -- noqa: RF04
        validated.description::text as description,
        validated.color::varchar(20) as color,
        validated.length::numeric(6, 2) as length,
        validated.width::numeric(6, 2) as width,
        validated.height::numeric(6, 2) as height,
        validated.weight_empty::numeric(10, 2) as weight_empty,
        validated.slot_count::integer as slot_count,
        validated.slot_naming_scheme::varchar(50) as slot_naming_scheme,
        validated.is_deleted::boolean as is_deleted,
        validated.source_modified_at::timestamptz as source_modified_at
    from validated
    where cardinality(validated.rejection_reasons) = 0

),

published as (

    select * from valid_rows
    {%- if is_incremental() %}

        union all

        -- rows of earlier runs whose key no source row derives any more
        select
            existing.legacy_modified,
            existing.is_synchronized,
            existing.name,
            existing.description,
            existing.color,
            existing.length,
            existing.width,
            existing.height,
            existing.weight_empty,
            existing.slot_count,
            existing.slot_naming_scheme,
            true as is_deleted,
            existing.source_modified_at
        from {{ this }} as existing  -- noqa: RF04
        where
            not existing.is_deleted
            and not exists (
                select null
                from validated
                where
                    validated.name = existing.name
            )
    {%- endif %}

),

hashed as (

    select
        published.*,
        {{ content_hash(['published.*']) }} as content_hash
    from published

)

select hashed.* from hashed
{%- if is_incremental() %}
    where not exists (
        select null
        from {{ this }} as existing  -- noqa: RF04
        where
            existing.name = hashed.name
            and existing.content_hash = hashed.content_hash
    )
{%- endif %}
