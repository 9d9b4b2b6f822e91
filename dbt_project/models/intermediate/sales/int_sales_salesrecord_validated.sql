{#- One row per Belege row (soft-deleted ones included), mapped to pyERP's
    sales_salesrecord, with the reasons it cannot be published (errors) or is
    published with a caveat (warnings). A record whose KundenNr matches no
    valid, live customer is published without customer and without addresses
    from its blocks (warning unknown_customer; contracts.md). The billing
    address falls back to the shipping address.
    Rejected: no AbsNr (missing_key); an AbsNr, or a (PapierNr, record type)
    of a record with an AbsNr, that an earlier row already holds (live rows
    first, then by __KEY: duplicate_key); no PapierNr
    (missing_record_number); no readable Datum (unparseable_date); and, for
    live rows, unreadable_value: a number, amount, bezahlt or ZahlungsDat of
    the Belege row was given but could not be read (staging's
    unreadable_attributes); publishing it as "no value" would bend the row,
    so pyERP keeps its last good version. An amount pyERP's DecimalField
    cannot hold is rejected by the Django field rules (too_many_digits),
    which pyerp_validated applies with the casts (macros/pyerp_validated.sql).
-#}
{%- set customer = [
    ('sales_customer', 'legacy_customer_number', 'customer_number is not null'),
] %}

with

sales_documents as (

    select * from {{ ref('int_sales_documents_mapped') }}

),

customers as (

    select * from {{ ref('int_sales_customer_validated') }}

),

payment_terms as (

    select * from {{ ref('int_sales_paymentterms_validated') }}

),

payment_methods as (

    select * from {{ ref('int_sales_paymentmethod_validated') }}

),

shipping_methods as (

    select * from {{ ref('int_sales_shippingmethod_validated') }}

),

valid_customers as (

    {{ valid_live_rows('customers', ['customer_number']) }}

),

mapped as (

    select
        ---- ids
        sales_documents.legacy_key,
        sales_documents.unreadable_attributes,
        sales_documents.sales_document_number::text as legacy_id,
        sales_documents.printed_document_number::text as record_number,
        valid_customers.customer_number,
        sales_documents.customer_number::text as legacy_customer_number,
        case
            when
                valid_customers.customer_number is not null
                and sales_documents.delivery_address_text is not null
                then
                    {{ derive_address_key(
                    'shipping',
                    'valid_customers.customer_number',
                    'sales_documents.delivery_address_text'
                ) }}
        end as shipping_address_legacy_id,
        case
            when valid_customers.customer_number is null then null
            when sales_documents.billing_address_text is not null
                then
                    {{ derive_address_key(
                    'billing',
                    'valid_customers.customer_number',
                    'sales_documents.billing_address_text'
                ) }}
            when sales_documents.delivery_address_text is not null
                then
                    {{ derive_address_key(
                    'shipping',
                    'valid_customers.customer_number',
                    'sales_documents.delivery_address_text'
                ) }}
        end as billing_address_legacy_id,

        ---- strings
        sales_documents.record_type,
        case
            when sales_documents.is_paid then 'PAID' else 'PENDING'
        end as payment_status,
        coalesce(sales_documents.currency_code, 'EUR') as currency,
        sales_documents.tax_type,
        sales_documents.notes,
        'PENDING' as delivery_status,
        payment_methods.name as payment_method_name,
        payment_methods.code as payment_method_code,
        shipping_methods.name as shipping_method_name,
        shipping_methods.code as shipping_method_code,

        ---- numerics
        coalesce(sales_documents.net_amount, 0) as subtotal,
        coalesce(sales_documents.tax_amount, 0) as tax_amount,
        coalesce(sales_documents.total_amount, 0) as total_amount,
        coalesce(sales_documents.shipping_cost, 0) as shipping_cost,
        coalesce(sales_documents.handling_fee, 0) as handling_fee,
        null::numeric as amount_paid_external,
        payment_terms.days_due as payment_terms_days_due,
        payment_terms.discount_days as payment_terms_discount_days,
        payment_terms.discount_percent as payment_terms_discount_percent,

        ---- booleans
        true as is_synchronized,
        sales_documents.is_deleted,

        ---- dates
        sales_documents.record_date,
        sales_documents.record_date_raw,
        sales_documents.payment_date,

        ---- timestamps
        sales_documents.legacy_modified_at as legacy_modified,
        sales_documents.legacy_modified_at as source_modified_at

    from sales_documents
    left join valid_customers
        on
            sales_documents.customer_number::text
            = valid_customers.customer_number
    left join payment_terms
        on
            sales_documents.payment_terms_days_due = payment_terms.days_due
            and sales_documents.payment_terms_discount_days
            = payment_terms.discount_days
            and sales_documents.payment_terms_discount_percent
            = payment_terms.discount_percent
            and cardinality(payment_terms.rejection_reasons) = 0
    left join payment_methods
        on
            sales_documents.payment_method_name = payment_methods.name
            and cardinality(payment_methods.rejection_reasons) = 0
    left join shipping_methods
        on
            sales_documents.shipping_method_name = shipping_methods.name
            and cardinality(shipping_methods.rejection_reasons) = 0

),

checked as (

    {{ check_rows('mapped',
        errors={
            'missing_key': 'legacy_id is null',
            'duplicate_key': duplicate_key_condition('legacy_id',
                also=['record_number', 'record_type']),
            'missing_record_number': 'record_number is null',
            'unparseable_date': 'record_date is null',
            'unreadable_value': has_unreadable_value('mapped'),
        },
        warnings={
            'unknown_customer': 'not is_deleted and '
                ~ orphan_parent_condition(customer),
        }) }}

),

validated as (

    {{ pyerp_validated('checked', 'sales_salesrecord',
        business_key="checked.record_type || ' ' || checked.record_number",
        key=['legacy_id', 'record_type', 'record_number'],
        details={
            'missing_record_number': column_details('record_number'),
            'unparseable_date': "jsonb_build_object("
                ~ "'attribute', 'Datum', 'value', to_jsonb(record_date_raw))",
            'unknown_customer': orphan_parent_details(customer),
        }) }}

)

select * from validated
