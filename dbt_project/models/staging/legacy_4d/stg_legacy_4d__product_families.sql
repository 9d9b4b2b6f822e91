with

source as (

    select * from {{ source('legacy_4d', 'artikel_familie') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_text('"ArtGr"') }} as product_group_code,

        ---- strings
        {{ clean_text('"Nummer"') }} as sku,
        "Nummer" as sku_raw,
        {{ clean_text('"Bezeichnung"') }} as product_name,
        {{ clean_text('"Bezeichnung_ENG"') }} as product_name_en,
        {{ clean_text('"Beschreibung"') }} as description,
        {{ clean_text('"Beschreibung_ENG"') }} as description_en,
        {{ clean_text('"Beschreibung_kurz"') }} as short_description,
        {{ clean_text('"Beschreibung_kurz_ENG"') }} as short_description_en,
        {{ clean_text('created_name') }} as created_by,
        {{ clean_text('modified_name') }} as modified_by,

        ---- numerics
        {{ to_integer('"Gewicht"') }} as weight_grams,
        {{ to_numeric('"Masse_Breite"') }} as width_mm,
        {{ to_numeric('"Masse_Hoehe"') }} as height_mm,
        {{ to_numeric('"Masse_Tiefe"') }} as depth_mm,

        ---- booleans
        {{ to_boolean('"Haengend"') }} as is_hanging,
        {{ to_boolean('"Einseitig"') }} as is_one_sided,
        {{ to_boolean('"Neu"') }} as is_new,
        {{ to_boolean('aktiv') }} as is_active,

        ---- dates
        {{ parse_4d_date('"Release_date"') }} as release_date,
        {{ parse_4d_date('created_date') }} as created_date,
        {{ parse_4d_time('created_time') }} as created_time,
        {{ parse_4d_date('modified_date') }} as modified_date,
        {{ parse_4d_time('modified_time') }} as modified_time,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- checks
        {{ unreadable_attributes({
            'Gewicht': to_integer('"Gewicht"'),
            'Masse_Breite': to_numeric('"Masse_Breite"'),
            'Masse_Hoehe': to_numeric('"Masse_Hoehe"'),
            'Masse_Tiefe': to_numeric('"Masse_Tiefe"'),
            'Haengend': to_boolean('"Haengend"'),
            'Einseitig': to_boolean('"Einseitig"'),
            'Neu': to_boolean('"Neu"'),
            'aktiv': to_boolean('aktiv'),
            'Release_date': parse_4d_date('"Release_date"'),
        }) }} as unreadable_attributes,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
