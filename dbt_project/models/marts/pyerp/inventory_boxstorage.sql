{{ config(unique_key='legacy_id') }}

{#- pyERP's inventory_boxstorage: the valid rows of
    int_inventory_boxstorage_validated, cast to pyERP's column types, with
    their content hash. Incremental: only new rows and rows whose content hash
    changed are merged (on legacy_id). -#}

with

validated as (

    select * from {{ ref('int_inventory_boxstorage_validated') }}

),

valid_rows as (

    select
        validated.legacy_id::varchar(50) as legacy_id,
        validated.legacy_modified::timestamptz as legacy_modified,
        validated.is_synchronized::boolean as is_synchronized,
        validated.product_storage_legacy_id::varchar(50)
            as product_storage_legacy_id,
        validated.box_slot_legacy_id::varchar(50) as box_slot_legacy_id,
        validated.created_by_id::bigint as created_by_id,
        validated.position_in_slot::varchar(20) as position_in_slot,
        validated.quantity::integer as quantity,
        validated.batch_number::varchar(100) as batch_number,
        validated.expiry_date::date as expiry_date,
        validated.is_deleted::boolean as is_deleted,
        validated.source_modified_at::timestamptz as source_modified_at
    from validated
    where cardinality(validated.rejection_reasons) = 0

),

hashed as (

    select
        valid_rows.*,
        {{ content_hash(['valid_rows.*']) }} as content_hash
    from valid_rows

)

select hashed.* from hashed
{%- if is_incremental() %}
    where not exists (
        select null
        from {{ this }} as existing  -- noqa: RF04
        where
            existing.legacy_id = hashed.legacy_id
            and existing.content_hash = hashed.content_hash
    )
{%- endif %}
