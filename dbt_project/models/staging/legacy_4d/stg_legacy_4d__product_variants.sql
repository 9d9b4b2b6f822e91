with

source as (

    select * from {{ source('legacy_4d', 'artikel_variante') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_identifier('"Familie_"') }} as product_family_legacy_key,
        {{ clean_identifier('"refOld"') }} as legacy_article_id,

        ---- strings
        {{ clean_identifier('"Nummer"') }} as sku,
        "Nummer" as sku_raw,
        {{ clean_text('"alteNummer"') }} as legacy_sku,
        {{ clean_text('"fk_ArtNr"') }} as legacy_base_sku,
        {{ clean_text('"ArtikelArt"') }} as variant_code,
        {{ clean_text('"Bezeichnung"') }} as product_name,
        {{ clean_text('"Bezeichnung_ENG"') }} as product_name_en,
        {{ clean_text('"Beschreibung"') }} as description,
        {{ clean_text('"Bez_kurz"') }} as short_description,
        {{ clean_text('"Farbe"') }} as color,
        {{ clean_text('"Groesse"') }} as size,
        {{ clean_text('created_name') }} as created_by,
        {{ clean_text('modified_name') }} as modified_by,

        ---- numerics
        {{ to_numeric('"Gewicht"') }} as weight_grams,
        {{ extract_price('"Preise"', 'Laden') }} as retail_price,
        {{ extract_price_unit('"Preise"', 'Laden') }} as retail_unit,
        {{ extract_price('"Preise"', 'Handel') }} as wholesale_price,
        {{ extract_price_unit('"Preise"', 'Handel') }} as wholesale_unit,

        ---- booleans
        {{ to_boolean('"Verkaufsartikel"') }} as is_sales_article,
        {{ to_boolean('neu') }} as is_new,
        {{ to_boolean('"Aktiv"') }} as is_active,

        ---- dates
        -- 4D has both Release_date and Release_Date on this class; both are
        -- kept, and release_date prefers Release_date once both are parsed.
        coalesce(
            {{ parse_4d_date('"Release_date"') }},
            {{ parse_4d_date('"Release_Date"') }}
        ) as release_date,
        {{ parse_4d_date('"Release_date"') }} as release_date_lower_d,
        {{ parse_4d_date('"Release_Date"') }} as release_date_upper_d,
        {{ parse_4d_date('"Auslaufdatum"') }} as discontinuation_date,
        {{ parse_4d_date('created_date') }} as created_date,
        {{ parse_4d_time('created_time') }} as created_time,
        {{ parse_4d_date('modified_date') }} as modified_date,
        {{ parse_4d_time('modified_time') }} as modified_time,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- checks
        {{ unreadable_attributes({
            'Gewicht': to_numeric('"Gewicht"'),
            'Verkaufsartikel': to_boolean('"Verkaufsartikel"'),
            'neu': to_boolean('neu'),
            'Aktiv': to_boolean('"Aktiv"'),
            'Release_date': parse_4d_date('"Release_date"'),
            'Release_Date': parse_4d_date('"Release_Date"'),
            'Auslaufdatum': parse_4d_date('"Auslaufdatum"'),
            'Preise': prices_read('"Preise"'),
        }) }} as unreadable_attributes,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
