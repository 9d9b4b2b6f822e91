with

source as (

    select * from {{ source('legacy_4d', 'adressen') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_identifier('"AdrNr"') }} as address_number,

        ---- strings
        {{ clean_text('"Anrede"') }} as salutation,
        {{ clean_text('"Vorname"') }} as first_name,
        {{ clean_text('"Name1"') }} as last_name,
        {{ clean_text('"Name2"') }} as company_name,
        {{ clean_text('"Strasse"') }} as street,
        {{ clean_text('"PLZ"') }} as postal_code,
        {{ clean_text('"Ort"') }} as city,
        {{ normalize_country_code('"Land"') }} as country_code,
        {{ clean_text('"Land"') }} as country_raw,
        {{ clean_text('"Telefon"') }} as phone,
        {{ clean_text('"Fax"') }} as fax,
        {{ clean_email('"e_Mail"') }} as email,
        {{ clean_text('"Ansprechp"') }} as contact_person,
        {{ clean_text('"Briefanrede"') }} as formal_salutation,
        {{ clean_text('created_name') }} as created_by,
        {{ clean_text('modified_name') }} as modified_by,

        ---- dates
        {{ parse_4d_date('created_date') }} as created_date,
        {{ parse_4d_time('created_time') }} as created_time,
        {{ parse_4d_date('modified_date') }} as modified_date,
        {{ parse_4d_time('modified_time') }} as modified_time,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
