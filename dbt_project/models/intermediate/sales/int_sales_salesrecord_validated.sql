{#- One row per Belege row (soft-deleted ones included), mapped to pyERP's
    sales_salesrecord, with the reasons it cannot be published (errors) or is
    published with a caveat (warnings). A record whose KundenNr matches no
    valid, live customer is published without customer and without addresses
    from its blocks (warning unknown_customer; contracts.md). The billing
    address falls back to the shipping address.
    Live rows are also rejected for unreadable_value: a number, amount,
    bezahlt or ZahlungsDat of the Belege row was given but could not be read
    (staging's unreadable_attributes); publishing it as "no value" would bend
    the row, so pyERP keeps its last good version. -#}
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

    select customers.customer_number
    from customers
    where
        cardinality(customers.rejection_reasons) = 0
        and not customers.is_deleted

),

mapped as (

    select
        ---- ids
        sales_documents.legacy_key,
        sales_documents.unreadable_attributes,
        sales_documents.sales_document_number::text as legacy_id,
        sales_documents.printed_document_number::text as record_number,
        valid_customers.customer_number,
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
        coalesce(sales_documents.tax_type, '') as tax_type,
        coalesce(sales_documents.notes, '') as notes,
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
        sales_documents.tax_rate_percent,

        ---- booleans
        true as is_synchronized,
        sales_documents.is_deleted,

        ---- dates
        sales_documents.record_date,
        sales_documents.payment_date,

        ---- timestamps
        sales_documents.legacy_modified_at as legacy_modified,
        sales_documents.legacy_modified_at as source_modified_at,

        ---- validation
        row_number() over (
            partition by sales_documents.sales_document_number
            order by
                sales_documents.is_deleted asc, sales_documents.legacy_key asc
        ) as legacy_id_rank,
        row_number() over (
            partition by
                sales_documents.printed_document_number,
                sales_documents.record_type
            order by
                sales_documents.is_deleted asc, sales_documents.legacy_key asc
        ) as record_number_rank

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

validated as (

    select
        mapped.*,
        array_remove(array[
            case when mapped.legacy_id is null then 'missing_key' end,
            case
                when mapped.legacy_id is not null and mapped.legacy_id_rank > 1
                    then 'duplicate_key'
            end,
            case
                when mapped.record_number is null then 'missing_record_number'
            end,
            case
                when
                    mapped.record_number is not null
                    and mapped.record_number_rank > 1
                    and mapped.legacy_id_rank = 1
                    then 'duplicate_key'
            end,
            case
                when mapped.record_date is null then 'unparseable_date'
            end,
            case
                when
                    greatest(
                        abs(mapped.subtotal),
                        abs(mapped.tax_amount),
                        abs(mapped.total_amount)
                    ) >= 1e10
                    or greatest(
                        abs(mapped.shipping_cost), abs(mapped.handling_fee)
                    ) >= 1e8
                    then 'amount_out_of_range'
            end,
            {{ unreadable_value_reason('mapped') }}
        ], null) as rejection_reasons,
        array_remove(array[
            case
                when not mapped.is_deleted and mapped.customer_number is null
                    then 'unknown_customer'
            end
        ], null) as warning_reasons
    from mapped

)

select * from validated
