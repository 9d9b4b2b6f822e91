{#- One row per Kunden row (soft-deleted ones included), mapped to pyERP's
    sales_customer, with the reasons it cannot be published.
    Live rows are also rejected for unreadable_value: AdrNr, Preisgru,
    Kreditlimit, Rabatt, SkontoTage, NettoTage or Liefersperre was given but
    could not be read (staging's unreadable_attributes); publishing it as "no
    value" would bend the row, so pyERP keeps its last good version. -#}
with

customers as (

    select * from {{ ref('int_sales_customers_joined_to_addresses') }}

),

mapped as (

    select  -- noqa: ST06
        ---- ids
        customers.legacy_key,
        customers.unreadable_attributes,
        customers.legacy_key as legacy_id,
        customers.customer_number::text as customer_number,
        customers.address_number::text as legacy_address_number,

        ---- strings
        customers.customer_name as name,  -- noqa: RF04
        coalesce(customers.customer_group, '') as customer_group,
        coalesce(customers.price_group::text, '') as price_group,
        coalesce(customers.vat_id, '') as vat_id,
        coalesce(customers.payment_method, '') as payment_method,
        coalesce(customers.shipping_method, '') as shipping_method,
        '' as notes,

        ---- numerics
        customers.credit_limit,
        customers.discount_percent as discount_percentage,
        customers.payment_discount_days as payment_terms_discount_days,
        customers.payment_net_days as payment_terms_net_days,

        ---- booleans
        coalesce(customers.is_delivery_blocked, false) as delivery_block,
        true as is_synchronized,
        customers.is_deleted,

        ---- timestamps
        customers.legacy_modified_at as legacy_modified,
        customers.legacy_modified_at as source_modified_at

    from customers

),

checked as (

    {{ check_rows('mapped', errors={
        'missing_key': 'customer_number is null',
        'duplicate_key': duplicate_key_condition('customer_number'),
        'unreadable_value': has_unreadable_value('mapped'),
    }) }}

),

validated as (

    {{ pyerp_validated('checked', 'sales_customer',
        business_key='checked.customer_number',
        key='customer_number') }}

)

select * from validated
