{#- One row per Adressen row (soft-deleted ones included) and one per address
    derived from a sales record's Lief_Adr / Rech_Adr block, mapped to pyERP's
    sales_address, with the reasons a row cannot be published. An Adressen
    row belongs to the live, valid customer whose AdrNr points to it (the
    lowest customer number when several do) and is that customer's one
    primary address (the first by key when 4D holds several rows with its
    AdrNr); derived addresses are never primary. -#}
with

addresses as (

    select * from {{ ref('stg_legacy_4d__addresses') }}

),

customers as (

    select * from {{ ref('int_sales_customer_validated') }}

),

address_blocks as (

    select * from {{ ref('int_sales_address_blocks_parsed') }}

),

address_owners as (

    select distinct on (customers.legacy_address_number)
        customers.legacy_address_number,
        customers.customer_number
    from customers
    where
        cardinality(customers.rejection_reasons) = 0
        and not customers.is_deleted
        and customers.legacy_address_number is not null
    order by  -- noqa: AM06
        customers.legacy_address_number asc,
        length(customers.customer_number) asc,
        customers.customer_number asc

),

legacy_addresses as (

    select
        ---- ids
        addresses.legacy_key,
        addresses.legacy_key as legacy_id,
        address_owners.customer_number,
        addresses.address_number::text as address_number,

        ---- strings
        coalesce(addresses.salutation, '') as salutation,
        coalesce(addresses.first_name, '') as first_name,
        coalesce(addresses.last_name, '') as last_name,
        coalesce(addresses.company_name, '') as company_name,
        coalesce(addresses.street, '') as street,
        coalesce(addresses.country_code, '') as country,
        coalesce(addresses.postal_code, '') as postal_code,
        coalesce(addresses.city, '') as city,
        coalesce(addresses.phone, '') as phone,
        coalesce(addresses.fax, '') as fax,
        coalesce(addresses.email, '') as email,
        coalesce(addresses.contact_person, '') as contact_person,
        coalesce(addresses.formal_salutation, '') as formal_salutation,

        ---- booleans
        address_owners.customer_number is not null
        and row_number() over (
            partition by address_owners.customer_number
            order by addresses.is_deleted asc, addresses.legacy_key asc
        ) = 1 as is_primary,
        true as is_synchronized,
        addresses.is_deleted,

        ---- timestamps
        addresses.legacy_modified_at as legacy_modified,
        addresses.legacy_modified_at as source_modified_at,

        ---- validation
        array_remove(array[
            case
                when
                    not addresses.is_deleted
                    and address_owners.customer_number is null
                    then 'address_without_customer'
            end
        ], null) as rejection_reasons

    from addresses
    left join address_owners
        on addresses.address_number::text = address_owners.legacy_address_number

),

derived_addresses as (

    select
        ---- ids
        address_blocks.legacy_id as legacy_key,
        address_blocks.legacy_id,
        address_blocks.customer_number,
        null::text as address_number,

        ---- strings
        '' as salutation,
        '' as first_name,
        '' as last_name,
        address_blocks.company_name,
        address_blocks.street,
        address_blocks.country,
        address_blocks.postal_code,
        address_blocks.city,
        '' as phone,
        '' as fax,
        '' as email,
        '' as contact_person,
        '' as formal_salutation,

        ---- booleans
        false as is_primary,
        true as is_synchronized,
        address_blocks.is_deleted,

        ---- timestamps
        address_blocks.source_modified_at as legacy_modified,
        address_blocks.source_modified_at,

        ---- validation
        array[]::text[] as rejection_reasons

    from address_blocks

),

validated as (

    select
        legacy_addresses.*,
        array[]::text[] as warning_reasons
    from legacy_addresses

    union all

    select
        derived_addresses.*,
        array[]::text[] as warning_reasons
    from derived_addresses

)

select * from validated
