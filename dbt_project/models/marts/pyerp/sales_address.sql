{{ config(unique_key='legacy_id') }}

{#- pyERP's sales_address: the valid rows of int_sales_address_validated, cast
    to pyERP's column types, with their content hash. Incremental: only new
    rows and rows whose content hash changed are merged (on legacy_id). Keys
    no source row derives any more are merged once more with is_deleted = true
    (and active = false where the table has it). -#}

with

validated as (

    select * from {{ ref('int_sales_address_validated') }}

),

valid_rows as (

    select
        validated.legacy_id::varchar(50) as legacy_id,
        validated.legacy_modified::timestamptz as legacy_modified,
        validated.is_synchronized::boolean as is_synchronized,
        validated.customer_number::varchar(50) as customer_number,
        validated.address_number::varchar(50) as address_number,
        validated.is_primary::boolean as is_primary,
        validated.salutation::varchar(50) as salutation,
        validated.first_name::varchar(100) as first_name,
        validated.last_name::varchar(100) as last_name,
        validated.company_name::varchar(200) as company_name,
        validated.street::varchar(200) as street,
        validated.country::varchar(2) as country,
        validated.postal_code::varchar(20) as postal_code,
        validated.city::varchar(100) as city,
        validated.phone::varchar(50) as phone,
        validated.fax::varchar(50) as fax,
        validated.email::varchar(254) as email,
        validated.contact_person::varchar(200) as contact_person,
        validated.formal_salutation::varchar(200) as formal_salutation,
        validated.is_deleted::boolean as is_deleted,
        validated.source_modified_at::timestamptz as source_modified_at
    from validated
    where cardinality(validated.rejection_reasons) = 0

),

published as (

    select * from valid_rows
    {%- if is_incremental() %}

        union all

        -- rows of earlier runs whose key no source row derives any more
        select
            existing.legacy_id,
            existing.legacy_modified,
            existing.is_synchronized,
            existing.customer_number,
            existing.address_number,
            existing.is_primary,
            existing.salutation,
            existing.first_name,
            existing.last_name,
            existing.company_name,
            existing.street,
            existing.country,
            existing.postal_code,
            existing.city,
            existing.phone,
            existing.fax,
            existing.email,
            existing.contact_person,
            existing.formal_salutation,
            true as is_deleted,
            existing.source_modified_at
        from {{ this }} as existing  -- noqa: RF04
        where
            not existing.is_deleted
            and not exists (
                select null
                from validated
                where
                    validated.legacy_id = existing.legacy_id
            )
    {%- endif %}

),

hashed as (

    select
        published.*,
        {{ content_hash(['published.*']) }} as content_hash
    from published

)

select hashed.* from hashed
{%- if is_incremental() %}
    where not exists (
        select null
        from {{ this }} as existing  -- noqa: RF04
        where
            existing.legacy_id = hashed.legacy_id
            and existing.content_hash = hashed.content_hash
    )
{%- endif %}
