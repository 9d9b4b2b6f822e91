{#- Every live sales record's composite foreign keys name a row of the mart
    they reference: payment terms (days due, discount days, discount
    percent), payment method and shipping method (name, code). The
    single-column keys have relationships tests in the mart's yml. Returns
    the records whose reference is missing. -#}
{%- set references = [
    ('payment_terms', 'payment_terms', {
        'payment_terms_days_due': 'days_due',
        'payment_terms_discount_days': 'discount_days',
        'payment_terms_discount_percent': 'discount_percent',
    }),
    ('payment_method', 'payment_methods', {
        'payment_method_name': 'name',
        'payment_method_code': 'code',
    }),
    ('shipping_method', 'shipping_methods', {
        'shipping_method_name': 'name',
        'shipping_method_code': 'code',
    }),
] %}

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

    {%- for reference, mart, key in references %}

        select
            sales_records.legacy_id,
            '{{ reference }}' as reference
        from sales_records
        left join {{ mart }}
            on
                {%- for column, mart_column in key.items() %}
                    {{ "and " if not loop.first }}sales_records.{{ column }}
                    = {{ mart }}.{{ mart_column }}
                {%- endfor %}
        where
            sales_records.{{ key | first }} is not null
            and {{ mart }}.{{ key.values() | first }} is null
        {% if not loop.last %}union all{% endif %}

    {%- endfor %}

)

select * from missing
