{#- One row per Adressen row (soft-deleted ones included) and one per address
    derived from a sales record's Lief_Adr / Rech_Adr block, mapped to pyERP's
    sales_address, with the reasons a row cannot be published. An Adressen
    row belongs to the live, valid customer whose AdrNr points to it (the
    lowest customer number when several do) and is that customer's one
    primary address (the first by key when 4D holds several rows with its
    AdrNr); derived addresses are never primary. A live Adressen row no
    customer points to is rejected (address_without_customer). The Django
    field rules and the casts are pyerp_validated's (macros/
    pyerp_validated.sql): e.g. an e-mail Django's EmailValidator refuses
    (such as a non-ASCII local part) is published empty with the warning
    invalid_email, a text longer than pyERP's column with value_too_long. -#}
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
        addresses.salutation,
        addresses.first_name,
        addresses.last_name,
        addresses.company_name,
        addresses.street,
        addresses.country_code as country,
        addresses.postal_code,
        addresses.city,
        addresses.phone,
        addresses.fax,
        addresses.email,
        addresses.contact_person,
        addresses.formal_salutation,

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
        {{ reason_codes({
            'address_without_customer':
                'not addresses.is_deleted'
                ~ ' and address_owners.customer_number is null',
        }) }} as rejection_reasons

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
        '{}'::text[] as rejection_reasons

    from address_blocks

),

checked as (

    select
        legacy_addresses.*,
        '{}'::text[] as warning_reasons
    from legacy_addresses

    union all

    select
        derived_addresses.*,
        '{}'::text[] as warning_reasons
    from derived_addresses

),

validated as (

    {{ pyerp_validated('checked', 'sales_address',
        business_key="nullif(concat_ws('/', checked.customer_number,"
            ~ " checked.address_number), '')",
        unreadable=false,
        details={
            'address_without_customer': column_details('address_number'),
        }) }}

)

select * from validated
