{{ config(unique_key=['name', 'code']) }}

{#- pyERP's sales_shippingmethod: the valid rows of
    int_sales_shippingmethod_validated, cast to pyERP's column types, with
    their content hash. Incremental: only new rows and rows whose content hash
    changed are merged (on name, code). Keys no source row derives any more
    are merged once more with is_deleted = true (and active = false where the
    table has it). -#}

with

validated as (

    select * from {{ ref('int_sales_shippingmethod_validated') }}

),

valid_rows as (

    select
        validated.legacy_id::varchar(50) as legacy_id,
        validated.legacy_modified::timestamptz as legacy_modified,
        validated.is_synchronized::boolean as is_synchronized,
        validated.name::varchar(50) as name,  -- noqa: RF04
        validated.code::varchar(20) as code,
        validated.description::text as description,
        validated.default_cost::numeric(10, 2) as default_cost,
        validated.active::boolean as active,
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
            existing.legacy_id,
            existing.legacy_modified,
            existing.is_synchronized,
            existing.name,
            existing.code,
            existing.description,
            existing.default_cost,
            false as active,
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
                    and validated.code = existing.code
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
            and existing.code = hashed.code
            and existing.content_hash = hashed.content_hash
    )
{%- endif %}
