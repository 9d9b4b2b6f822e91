{#- One row per payment method name a sales record uses (Zahlungsart_A, default
    "Invoice"), with its code (the name slugified, as Django's slugify),
    mapped to pyERP's sales_paymentmethod; deleted when every record using it
    is deleted in 4D. -#}
with

sales_documents as (

    select * from {{ ref('int_sales_documents_mapped') }}

),

grouped as (

    select
        sales_documents.payment_method_name as name,  -- noqa: RF04
        sales_documents.payment_method_code as code,
        bool_and(sales_documents.is_deleted) as is_deleted,
        max(sales_documents.legacy_modified_at) as source_modified_at
    from sales_documents
    group by 1, 2

),

validated as (

    select  -- noqa: ST06
        ---- ids
        grouped.name as legacy_key,
        null::text as legacy_id,

        ---- strings
        grouped.name,
        grouped.code,
        '' as notes,

        ---- booleans
        not grouped.is_deleted as active,
        false as requires_authorization,
        true as is_synchronized,
        grouped.is_deleted,

        ---- timestamps
        grouped.source_modified_at as legacy_modified,
        grouped.source_modified_at,

        ---- validation
        array_remove(array[
            case
                when
                    (length(grouped.name) > 50 or grouped.code = '')
                    then 'invalid_name'
            end
        ], null) as rejection_reasons,
        array[]::text[] as warning_reasons

    from grouped

)

select * from validated
