with

source as (

    select * from {{ source('legacy_4d', 'artikel_lagerorte') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_identifier('"UUID"') }} as legacy_uuid,
        {{ clean_identifier('"ID_Artikel_Stamm"') }} as legacy_article_id,
        {{ clean_identifier('"UUID_Stamm_Lagerorte"') }}
            as storage_location_legacy_key,
        nullif({{ clean_identifier('"Auftrags_Nr"') }}, '0') as order_number,

        ---- strings
        {{ clean_text('created_name') }} as created_by,
        {{ clean_text('modified_name') }} as modified_by,

        ---- numerics
        {{ to_numeric('"Bestand"') }} as stock_quantity,

        ---- booleans
        {{ to_boolean('"Reserved"') }} as is_reserved,

        ---- dates
        {{ parse_4d_date('created_date') }} as created_date,
        {{ parse_4d_time('created_time') }} as created_time,
        {{ parse_4d_date('modified_date') }} as modified_date,
        {{ parse_4d_time('modified_time') }} as modified_time,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- checks
        {{ unreadable_attributes({
            'Bestand': to_numeric('"Bestand"'),
            'Reserved': to_boolean('"Reserved"'),
        }) }} as unreadable_attributes,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
