{{ config(unique_key='legacy_id') }}

{#- pyERP's sales_salesrecord: the valid rows of
    int_sales_salesrecord_validated, cast to pyERP's column types, with their
    content hash. Incremental: only new rows and rows whose content hash
    changed are merged (on legacy_id). -#}

with

validated as (

    select * from {{ ref('int_sales_salesrecord_validated') }}

),

valid_rows as (

    select
        validated.legacy_id::varchar(50) as legacy_id,
        validated.legacy_modified::timestamptz as legacy_modified,
        validated.is_synchronized::boolean as is_synchronized,
        validated.record_number::varchar(50) as record_number,
        validated.record_date::date as record_date,
        validated.record_type::varchar(20) as record_type,
        validated.customer_number::varchar(50) as customer_number,
        validated.subtotal::numeric(12, 2) as subtotal,
        validated.tax_amount::numeric(12, 2) as tax_amount,
        validated.total_amount::numeric(12, 2) as total_amount,
        validated.shipping_cost::numeric(10, 2) as shipping_cost,
        validated.handling_fee::numeric(10, 2) as handling_fee,
        validated.payment_status::varchar(20) as payment_status,
        validated.payment_date::date as payment_date,
        validated.amount_paid_external::numeric(12, 2) as amount_paid_external,
        validated.currency::varchar(3) as currency,
        validated.tax_type::varchar(50) as tax_type,
        validated.notes::text as notes,
        validated.payment_terms_days_due::integer as payment_terms_days_due,
        validated.payment_terms_discount_days::integer
            as payment_terms_discount_days,
        validated.payment_terms_discount_percent::numeric(5, 2)
            as payment_terms_discount_percent,
        validated.payment_method_name::varchar(50) as payment_method_name,
        validated.payment_method_code::varchar(20) as payment_method_code,
        validated.shipping_method_name::varchar(50) as shipping_method_name,
        validated.shipping_method_code::varchar(20) as shipping_method_code,
        validated.shipping_address_legacy_id::varchar(50)
            as shipping_address_legacy_id,
        validated.billing_address_legacy_id::varchar(50)
            as billing_address_legacy_id,
        validated.delivery_status::varchar(25) as delivery_status,
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
