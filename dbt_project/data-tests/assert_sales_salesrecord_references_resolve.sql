{#- Every live sales record's composite foreign keys name a row of the mart
    they reference: payment terms (days due, discount days, discount
    percent), payment method and shipping method (name, code). The
    single-column keys have relationships tests in the mart's yml. Returns
    the records whose reference is missing. -#}
with

sales_records as (

    select * from {{ ref('sales_salesrecord') }}
    where not is_deleted

),

payment_terms as (

    select * from {{ ref('sales_paymentterms') }}

),

payment_methods as (

    select * from {{ ref('sales_paymentmethod') }}

),

shipping_methods as (

    select * from {{ ref('sales_shippingmethod') }}

),

missing as (

    select
        sales_records.legacy_id,
        'payment_terms' as reference
    from sales_records
    left join payment_terms
        on
            sales_records.payment_terms_days_due = payment_terms.days_due
            and sales_records.payment_terms_discount_days
            = payment_terms.discount_days
            and sales_records.payment_terms_discount_percent
            = payment_terms.discount_percent
    where
        sales_records.payment_terms_days_due is not null
        and payment_terms.days_due is null

    union all

    select
        sales_records.legacy_id,
        'payment_method' as reference
    from sales_records
    left join payment_methods
        on
            sales_records.payment_method_name = payment_methods.name
            and sales_records.payment_method_code = payment_methods.code
    where
        sales_records.payment_method_name is not null
        and payment_methods.name is null

    union all

    select
        sales_records.legacy_id,
        'shipping_method' as reference
    from sales_records
    left join shipping_methods
        on
            sales_records.shipping_method_name = shipping_methods.name
            and sales_records.shipping_method_code = shipping_methods.code
    where
        sales_records.shipping_method_name is not null
        and shipping_methods.name is null

)

select * from missing
