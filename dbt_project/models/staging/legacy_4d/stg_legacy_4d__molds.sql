with

source as (

    select * from {{ source('legacy_4d', 'formen') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_identifier('"FormNr"') }} as mold_number,

        ---- strings
        {{ clean_text('"Bezeichnung"') }} as description,
        {{ clean_text('"Lagerort"') }} as storage_location_code,
        {{ clean_multiline_text('"Bemerkung"') }} as notes,
        {{ clean_text('created_name') }} as created_by,
        {{ clean_text('modified_name') }} as modified_by,

        ---- booleans
        {{ to_boolean('"Sperre"') }} as is_blocked,

        ---- dates
        {{ parse_4d_date('created_date') }} as created_date,
        {{ parse_4d_time('created_time') }} as created_time,
        {{ parse_4d_date('modified_date') }} as modified_date,
        {{ parse_4d_time('modified_time') }} as modified_time,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- checks
        {{ unreadable_attributes({
            'Sperre': to_boolean('"Sperre"'),
        }) }} as unreadable_attributes,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
