{#- One row per payment terms (days due, discount days, discount percent)
    that a sales record uses (NettoTage default 30, SkontoTage default 0,
    Skonto_G default 0), mapped to pyERP's sales_paymentterms; deleted when
    every record using it is deleted in 4D. Terms with negative days or a
    discount outside 0-100 % are rejected (invalid_payment_terms); the
    Django field rules and the casts to pyERP's types are pyerp_validated's
    (macros/pyerp_validated.sql). -#}
with

grouped as (

    {{ derived_from_sales_documents({
        'days_due': 'payment_terms_days_due',
        'discount_days': 'payment_terms_discount_days',
        'discount_percent': 'payment_terms_discount_percent',
    }) }}

),

mapped as (

    select
        grouped.*,
        concat_ws(
            '/',
            grouped.days_due,
            grouped.discount_days,
            grouped.discount_percent
        ) as legacy_key,
        'Net ' || grouped.days_due || ' days'
        || case
            when grouped.discount_percent > 0
                then
                    ', ' || trim_scale(grouped.discount_percent) || ' % within '
                    || grouped.discount_days || ' days'
            else ''
        end as name  -- noqa: RF04
    from grouped

),

checked as (

    {{ check_rows('mapped', errors={
        'invalid_payment_terms':
            'mapped.days_due < 0 or mapped.discount_days < 0'
            ~ ' or mapped.discount_percent not between 0 and 100',
    }) }}

),

validated as (

    {{ pyerp_validated('checked', 'sales_paymentterms',
        business_key='checked.name',
        unreadable=false,
        details={
            'invalid_payment_terms': values_details(
                ['days_due', 'discount_days', 'discount_percent'],
                rule='days >= 0, discount 0 to 100 %'),
        }) }}

)

select * from validated
