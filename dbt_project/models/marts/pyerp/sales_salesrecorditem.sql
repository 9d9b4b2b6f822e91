{{ config(unique_key=['sales_record_legacy_id', 'position']) }}

{#- pyERP's sales_salesrecorditem: the valid rows of
    int_sales_salesrecorditem_validated, cast to pyERP's column types, with
    their content hash. Incremental: only new rows and rows whose content hash
    changed are merged (on sales_record_legacy_id, position). -#}

with

validated as (

    select * from {{ ref('int_sales_salesrecorditem_validated') }}

),

valid_rows as (

    select
        validated.legacy_id::varchar(50) as legacy_id,
        validated.legacy_modified::timestamptz as legacy_modified,
        validated.is_synchronized::boolean as is_synchronized,
        validated.sales_record_legacy_id::varchar(50) as sales_record_legacy_id,
        validated.position::integer as position,  -- noqa: RF04
        validated.legacy_sku::varchar(50) as legacy_sku,
        validated.description::text as description,
        validated.quantity::numeric(10, 2) as quantity,
        validated.unit_price::numeric(12, 2) as unit_price,
        validated.discount_percentage::numeric(5, 2) as discount_percentage,
        validated.tax_rate::numeric(5, 2) as tax_rate,
        validated.tax_amount::numeric(10, 2) as tax_amount,
        validated.line_subtotal::numeric(12, 2) as line_subtotal,
        validated.line_total::numeric(12, 2) as line_total,
        validated.item_type::varchar(20) as item_type,
        validated.notes::text as notes,
        validated.fulfillment_status::varchar(20) as fulfillment_status,
        validated.fulfilled_quantity::numeric(10, 2) as fulfilled_quantity,
        validated.product_legacy_id::varchar(50) as product_legacy_id,
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
            existing.sales_record_legacy_id = hashed.sales_record_legacy_id
            and existing.position = hashed.position
            and existing.content_hash = hashed.content_hash
    )
{%- endif %}
