{#- An address a live sales record points to (shipping or billing) belongs
    to that record's customer (contracts.md), and a record without customer
    points to no address. Returns the offending record/address pairs. -#}
with

sales_records as (

    select * from {{ ref('sales_salesrecord') }}
    where not is_deleted

),

addresses as (

    select * from {{ ref('sales_address') }}

),

record_addresses as (

    select
        sales_records.legacy_id,
        sales_records.customer_number,
        sales_records.shipping_address_legacy_id as address_legacy_id
    from sales_records
    where sales_records.shipping_address_legacy_id is not null

    union all

    select
        sales_records.legacy_id,
        sales_records.customer_number,
        sales_records.billing_address_legacy_id as address_legacy_id
    from sales_records
    where sales_records.billing_address_legacy_id is not null

)

select
    record_addresses.legacy_id,
    record_addresses.address_legacy_id,
    record_addresses.customer_number as record_customer_number,
    addresses.customer_number as address_customer_number
from record_addresses
left join addresses
    on record_addresses.address_legacy_id = addresses.legacy_id
where
    record_addresses.customer_number is null
    or addresses.customer_number
    is distinct from record_addresses.customer_number
