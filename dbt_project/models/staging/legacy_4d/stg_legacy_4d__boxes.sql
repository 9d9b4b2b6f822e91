with

source as (

    select * from {{ source('legacy_4d', 'stamm_lager_schuetten') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_identifier('"ID"') }} as legacy_id,
        {{ clean_identifier('"UUID_Stamm_Lagerorte"') }}
            as storage_location_legacy_key,
        {{ extract_deferred_key('"Relation_93"') }}
            as storage_location_relation_key,

        ---- strings
        {{ clean_text('"Schuettencode"') }} as box_code,
        {{ clean_text('"Schuettentyp"') }} as box_type_name,
        {{ clean_text('"Schuettenzweck"') }} as box_purpose,
        {{ clean_text('"Barcode"') }} as barcode,
        {{ clean_multiline_text('"Bemerkung"') }} as notes,
        {{ clean_text('created_name') }} as created_by,
        {{ clean_text('modified_name') }} as modified_by,

        ---- numerics
        {{ to_integer('"max_Anzahl_Slots"') }} as max_slot_count,

        ---- json
        {{ parse_json('data_') }} as box_data,

        ---- dates
        {{ parse_4d_date('"Druckdatum"') }} as printed_date,
        {{ parse_4d_time('"Druckzeit"') }} as printed_time,
        {{ parse_4d_date('created_date') }} as created_date,
        {{ parse_4d_time('created_time') }} as created_time,
        {{ parse_4d_date('modified_date') }} as modified_date,
        {{ parse_4d_time('modified_time') }} as modified_time,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- checks
        {{ unreadable_attributes({
            'max_Anzahl_Slots': to_integer('"max_Anzahl_Slots"'),
            'Druckdatum': parse_4d_date('"Druckdatum"'),
            'Druckzeit': parse_4d_time('"Druckzeit"'),
            'data_': parse_json('data_'),
        }) }} as unreadable_attributes,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
