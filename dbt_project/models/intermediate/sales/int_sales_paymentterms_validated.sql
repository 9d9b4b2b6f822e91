{#- One row per payment terms (days due, discount days, discount percent)
    that a sales record uses (NettoTage default 30, SkontoTage default 0,
    Skonto_G default 0), mapped to pyERP's sales_paymentterms; deleted when
    every record using it is deleted in 4D. -#}
with

sales_documents as (

    select * from {{ ref('int_sales_documents_mapped') }}

),

grouped as (

    select
        sales_documents.payment_terms_days_due as days_due,
        sales_documents.payment_terms_discount_days as discount_days,
        sales_documents.payment_terms_discount_percent as discount_percent,
        bool_and(sales_documents.is_deleted) as is_deleted,
        max(sales_documents.legacy_modified_at) as source_modified_at
    from sales_documents
    group by 1, 2, 3

),

validated as (

    select  -- noqa: ST06
        ---- ids
        concat_ws(
            '/',
            grouped.days_due,
            grouped.discount_days,
            grouped.discount_percent
        ) as legacy_key,
        null::text as legacy_id,

        ---- strings
        'Net ' || grouped.days_due || ' days'
        || case
            when grouped.discount_percent > 0
                then
                    ', ' || trim_scale(grouped.discount_percent) || ' % within '
                    || grouped.discount_days || ' days'
            else ''
        end as name,  -- noqa: RF04

        ---- numerics
        grouped.days_due,
        grouped.discount_days,
        grouped.discount_percent,

        ---- booleans
        not grouped.is_deleted as active,
        true as is_synchronized,
        grouped.is_deleted,

        ---- timestamps
        grouped.source_modified_at as legacy_modified,
        grouped.source_modified_at,

        ---- validation
        array_remove(array[
            case
                when
                    (
                        grouped.days_due < 0
                        or grouped.discount_days < 0
                        or grouped.discount_percent not between 0 and 100
                    )
                    then 'invalid_payment_terms'
            end
        ], null) as rejection_reasons,
        array[]::text[] as warning_reasons

    from grouped

)

select * from validated
