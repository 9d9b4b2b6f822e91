with

source as (

    select * from {{ source('legacy_4d', 'lager_schuetten') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_identifier('"ID"') }} as legacy_id,
        {{ clean_identifier('"ID_Stamm_Lager_Schuetten"') }} as box_legacy_id,
        {{ clean_identifier('"UUID_Artikel_Lagerorte"') }}
            as product_stock_location_legacy_uuid,
        {{ extract_deferred_key('"Relation_95_zurueck"') }}
            as box_slot_relation_key,

        ---- strings
        {{ clean_text('"Chargen_Nr"') }} as batch_number,
        {{ clean_text('created_name') }} as created_by,
        {{ clean_text('modified_name') }} as modified_by,

        ---- numerics
        {{ to_numeric('"Menge"') }} as quantity,

        ---- json
        {{ parse_json('data_') }} as content_data,

        ---- dates
        {{ parse_4d_date('"Ablaufdatum"') }} as expiry_date,
        {{ parse_4d_date('created_date') }} as created_date,
        {{ parse_4d_time('created_time') }} as created_time,
        {{ parse_4d_date('modified_date') }} as modified_date,
        {{ parse_4d_time('modified_time') }} as modified_time,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- checks
        {{ unreadable_attributes({
            'Menge': to_numeric('"Menge"'),
            'Ablaufdatum': parse_4d_date('"Ablaufdatum"'),
            'data_': parse_json('data_'),
        }) }} as unreadable_attributes,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
