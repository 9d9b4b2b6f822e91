with

source as (

    select * from {{ source('legacy_4d', 'stamm_lagerorte') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_identifier('"ID_Lagerort"') }} as legacy_id,

        ---- strings
        {{ clean_text('"Lagerort"') }} as location_code,
        {{ normalize_country_code('"Land_LKZ"') }} as country_code,
        {{ clean_text('"Ort_Gebaeude"') }} as city_building,
        {{ clean_text('"Attribut"') }} as location_attribute,
        {{ clean_text('created_name') }} as created_by,
        {{ clean_text('modified_name') }} as modified_by,

        ---- numerics
        {{ to_integer('"Regal"') }} as rack_number,
        {{ to_integer('"Fach"') }} as compartment_number,
        {{ to_integer('"Boden"') }} as shelf_number,
        {{ to_numeric('"X"') }} as position_x,
        {{ to_numeric('"Y"') }} as position_y,
        {{ to_numeric('"Z"') }} as position_z,

        ---- booleans
        {{ to_boolean('"Abverkauf"') }} as is_clearance_sale,
        {{ to_boolean('"Sonderlager"') }} as is_special_storage,
        {{ to_boolean('"Schuette"') }} as is_box_storage,
        {{ to_boolean('"Packed"') }} as is_packed,

        ---- dates
        {{ parse_4d_date('created_date') }} as created_date,
        {{ parse_4d_time('created_time') }} as created_time,
        {{ parse_4d_date('modified_date') }} as modified_date,
        {{ parse_4d_time('modified_time') }} as modified_time,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- checks
        {{ unreadable_attributes({
            'Regal': to_integer('"Regal"'),
            'Fach': to_integer('"Fach"'),
            'Boden': to_integer('"Boden"'),
            'X': to_numeric('"X"'),
            'Y': to_numeric('"Y"'),
            'Z': to_numeric('"Z"'),
            'Abverkauf': to_boolean('"Abverkauf"'),
            'Sonderlager': to_boolean('"Sonderlager"'),
            'Schuette': to_boolean('"Schuette"'),
            'Packed': to_boolean('"Packed"'),
        }) }} as unreadable_attributes,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
