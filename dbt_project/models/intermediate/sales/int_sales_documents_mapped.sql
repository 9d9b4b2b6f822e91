{#- One row per Belege row: the sales-record fields mapped to pyERP's
    vocabulary before validation (record type, VAT rate by date, payment
    terms, payment and shipping methods with their codes). -#}
with

sales_documents as (

    select * from {{ ref('stg_legacy_4d__sales_documents') }}

),

vat_rates as (

    select * from {{ ref('german_vat_rates') }}

),

record_types as (

    {{ legacy_choices('sales_record_type', 'record_type') }}

),

mapped as (

    select
        ---- ids
        sales_documents.legacy_key,
        sales_documents.unreadable_attributes,
        sales_documents.sales_document_number,
        sales_documents.printed_document_number,
        sales_documents.customer_number,

        ---- strings
        coalesce(record_types.record_type, 'INVOICE') as record_type,
        sales_documents.tax_type,
        sales_documents.currency_code,
        coalesce(sales_documents.payment_method, 'Invoice')
            as payment_method_name,
        {{ slugify(
            "coalesce(sales_documents.payment_method, 'Invoice')", 20
        ) }} as payment_method_code,
        coalesce(sales_documents.shipping_method, 'Standard')
            as shipping_method_name,
        {{ slugify(
            "coalesce(sales_documents.shipping_method, 'Standard')", 20
        ) }} as shipping_method_code,
        sales_documents.delivery_address_text,
        sales_documents.billing_address_text,
        sales_documents.notes,

        ---- numerics
        sales_documents.net_amount,
        sales_documents.tax_amount,
        sales_documents.total_amount,
        sales_documents.shipping_cost,
        sales_documents.handling_fee,
        case
            when sales_documents.tax_type = 'JA'
                then vat_rates.standard_rate_percent
            else 0
        end as tax_rate_percent,
        coalesce(sales_documents.payment_net_days, 30)
            as payment_terms_days_due,
        coalesce(sales_documents.payment_discount_days, 0)
            as payment_terms_discount_days,
        round(coalesce(sales_documents.payment_discount_percent, 0), 2)
            as payment_terms_discount_percent,

        ---- booleans
        coalesce(sales_documents.is_paid, false) as is_paid,

        ---- dates
        sales_documents.document_date as record_date,
        sales_documents.document_date_raw as record_date_raw,
        sales_documents.payment_date,

        ---- timestamps
        sales_documents.legacy_modified_at,

        ---- system
        sales_documents.is_deleted

    from sales_documents
    left join record_types
        on sales_documents.document_type_code = record_types.legacy_code
    left join vat_rates
        on
            sales_documents.document_date
            between vat_rates.valid_from and vat_rates.valid_to

)

select * from mapped
