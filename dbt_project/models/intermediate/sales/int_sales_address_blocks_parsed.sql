{#- One row per address derived from a sales record's Lief_Adr (shipping) or
    Rech_Adr (billing) block, keyed by the block's deterministic key
    (derive_address_key). Only blocks of records whose customer is a valid,
    live customer: the address belongs to that customer (contracts.md);
    a record without one gets no such address. Lines as staging normalised
    them: 1 name, 2 street, 3 "PLZ City" (the postal code is the first
    5-digit group, else a leading 4-digit group; the city is the rest). -#}
with

sales_documents as (

    select * from {{ ref('int_sales_documents_mapped') }}

),

customers as (

    select * from {{ ref('int_sales_customer_validated') }}

),

blocks as (

    select
        'shipping' as address_kind,
        sales_documents.customer_number::text as customer_number,
        sales_documents.delivery_address_text as address_text,
        sales_documents.is_deleted,
        sales_documents.legacy_modified_at
    from sales_documents
    where sales_documents.delivery_address_text is not null

    union all

    select
        'billing' as address_kind,
        sales_documents.customer_number::text as customer_number,
        sales_documents.billing_address_text as address_text,
        sales_documents.is_deleted,
        sales_documents.legacy_modified_at
    from sales_documents
    where sales_documents.billing_address_text is not null

),

owned_blocks as (

    select
        case blocks.address_kind
            when 'shipping'
                then
                    {{ derive_address_key(
                    'shipping', 'blocks.customer_number', 'blocks.address_text'
                ) }}
            else
                {{ derive_address_key(
                    'billing', 'blocks.customer_number', 'blocks.address_text'
                ) }}
        end as legacy_id,
        blocks.*
    from blocks
    inner join customers
        on
            blocks.customer_number = customers.customer_number
            and cardinality(customers.rejection_reasons) = 0
            and not customers.is_deleted

),

grouped as (

    select
        owned_blocks.legacy_id,
        owned_blocks.address_kind,
        owned_blocks.customer_number,
        owned_blocks.address_text,
        bool_and(owned_blocks.is_deleted) as is_deleted,
        max(owned_blocks.legacy_modified_at) as source_modified_at
    from owned_blocks
    group by 1, 2, 3, 4

),

lines as (

    select
        grouped.*,
        split_part(grouped.address_text, chr(10), 1) as name_line,
        split_part(grouped.address_text, chr(10), 2) as street_line,
        split_part(grouped.address_text, chr(10), 3) as city_line
    from grouped

),

parsed as (

    select
        lines.legacy_id,
        lines.address_kind,
        lines.customer_number,
        lines.address_text,
        lines.name_line as company_name,
        lines.street_line as street,
        'DE' as country,
        lines.is_deleted,
        lines.source_modified_at,
        coalesce(
            substring(lines.city_line from '\d{5}'),
            substring(lines.city_line from '^\s*(\d{4})\M'),
            ''
        ) as postal_code,
        coalesce(
            btrim(substring(lines.city_line from '\d{5}(.*)$')),
            btrim(substring(lines.city_line from '^\s*\d{4}\M(.*)$')),
            btrim(lines.city_line)
        ) as city
    from lines

)

select * from parsed
