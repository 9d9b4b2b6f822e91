{{ config(unique_key='legacy_id') }}

{#- pyERP's inventory_boxslot: the valid rows of
    int_inventory_boxslot_validated, cast to pyERP's column types, with their
    content hash. Incremental: only new rows and rows whose content hash
    changed are merged (on legacy_id). -#}

with

validated as (

    select * from {{ ref('int_inventory_boxslot_validated') }}

),

valid_rows as (

    select
        validated.legacy_id::varchar(50) as legacy_id,
        validated.legacy_modified::timestamptz as legacy_modified,
        validated.is_synchronized::boolean as is_synchronized,
        validated.box_legacy_id::varchar(50) as box_legacy_id,
        validated.legacy_slot_id::varchar(50) as legacy_slot_id,
        validated.slot_number::integer as slot_number,
        validated.slot_code::varchar(20) as slot_code,
        validated.unit_number::integer as unit_number,
        validated.color_code::varchar(20) as color_code,
        validated.order_number::varchar(50) as order_number,
        validated.barcode::varchar(100) as barcode,
        validated.occupied::boolean as occupied,
        validated.capacity::integer as capacity,
        validated.max_products::integer as max_products,
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
