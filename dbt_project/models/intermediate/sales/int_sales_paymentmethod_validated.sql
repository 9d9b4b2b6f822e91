{#- One row per payment method name a sales record uses (Zahlungsart_A, default
    "Invoice"), with its code (the name slugified, as Django's slugify),
    mapped to pyERP's sales_paymentmethod; deleted when every record using it
    is deleted in 4D. No business checks of its own: a name longer than
    pyERP's 50 characters (value_too_long) or one that slugifies to no code
    (required_value_missing) is rejected by the Django field rules of
    pyerp_validated (macros/pyerp_validated.sql), which also casts. -#}
with

grouped as (

    {{ derived_from_sales_documents({
        'name': 'payment_method_name',
        'code': 'payment_method_code',
    }) }}

),

checked as (

    select
        grouped.*,
        grouped.name as legacy_key,
        '' as notes,
        false as requires_authorization,
        '{}'::text[] as rejection_reasons,
        '{}'::text[] as warning_reasons
    from grouped

),

validated as (

    {{ pyerp_validated('checked', 'sales_paymentmethod',
        business_key='checked.name', unreadable=false) }}

)

select * from validated
