{{ config(unique_key=['days_due', 'discount_days', 'discount_percent']) }}

{#- pyERP's sales_paymentterms: the valid rows of
    int_sales_paymentterms_validated, cast to pyERP's column types, with their
    content hash. Incremental: only new rows and rows whose content hash
    changed are merged (on days_due, discount_days, discount_percent). Keys no
    source row derives any more are merged once more with is_deleted = true
    (and active = false where the table has it). -#}

with

validated as (

    select * from {{ ref('int_sales_paymentterms_validated') }}

),

valid_rows as (

    select
        validated.legacy_id::varchar(50) as legacy_id,
        validated.legacy_modified::timestamptz as legacy_modified,
        validated.is_synchronized::boolean as is_synchronized,
        validated.name::varchar(50) as name,  -- noqa: RF04
        validated.days_due::integer as days_due,
        validated.discount_days::integer as discount_days,
        validated.discount_percent::numeric(5, 2) as discount_percent,
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
            existing.days_due,
            existing.discount_days,
            existing.discount_percent,
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
                    validated.days_due = existing.days_due
                    and validated.discount_days = existing.discount_days
                    and validated.discount_percent = existing.discount_percent
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
            existing.days_due = hashed.days_due
            and existing.discount_days = hashed.discount_days
            and existing.discount_percent = hashed.discount_percent
            and existing.content_hash = hashed.content_hash
    )
{%- endif %}
