{#- One row per Kunden row, with the name pyERP shows, derived from the
    customer's own Adressen row (AdrNr): the company (Name2), else first and
    last name, else "Customer <KundenNr>" (legacy-tables.md §2.4). -#}
with

customers as (

    select * from {{ ref('stg_legacy_4d__customers') }}

),

addresses as (

    select * from {{ ref('stg_legacy_4d__addresses') }}

),

named_addresses as (

    -- one live address per address number (the first by key if 4D holds
    -- two rows with the same AdrNr)
    select distinct on (addresses.address_number)
        addresses.address_number,
        coalesce(
            addresses.company_name,
            nullif(
                concat_ws(' ', addresses.first_name, addresses.last_name), ''
            )
        ) as address_name
    from addresses
    where not addresses.is_deleted and addresses.address_number is not null
    order by  -- noqa: AM06
        addresses.address_number asc,
        addresses.legacy_key asc

),

joined as (

    select
        customers.*,
        coalesce(
            named_addresses.address_name,
            'Customer ' || customers.customer_number
        ) as customer_name
    from customers
    left join named_addresses
        on customers.address_number = named_addresses.address_number

)

select * from joined  -- noqa: AM04
