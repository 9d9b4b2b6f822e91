{{ config(unique_key='legacy_id') }}

{#- pyERP's sales_customer: the valid rows of int_sales_customer_validated,
    cast to pyERP's column types, with their content hash. Incremental: only
    new rows and rows whose content hash changed are merged (on legacy_id). -#}

with

validated as (

    select * from {{ ref('int_sales_customer_validated') }}

),

valid_rows as (

    select
        validated.legacy_id::varchar(50) as legacy_id,
        validated.legacy_modified::timestamptz as legacy_modified,
        validated.is_synchronized::boolean as is_synchronized,
        validated.customer_number::varchar(50) as customer_number,
        validated.name::varchar(200) as name,  -- noqa: RF04
        validated.legacy_address_number::varchar(50) as legacy_address_number,
        validated.customer_group::varchar(50) as customer_group,
        validated.delivery_block::boolean as delivery_block,
        validated.price_group::varchar(10) as price_group,
        validated.vat_id::varchar(50) as vat_id,
        validated.payment_method::varchar(50) as payment_method,
        validated.shipping_method::varchar(50) as shipping_method,
        validated.credit_limit::numeric(10, 2) as credit_limit,
        validated.discount_percentage::numeric(5, 2) as discount_percentage,
        validated.payment_terms_discount_days::integer
            as payment_terms_discount_days,
        validated.payment_terms_net_days::integer as payment_terms_net_days,
        validated.notes::text as notes,
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
