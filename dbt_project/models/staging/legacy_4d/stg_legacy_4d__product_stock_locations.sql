with

source as (

    select * from {{ source('legacy_4d', 'artikel_lagerorte') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_text('"UUID"') }} as legacy_uuid,
        {{ to_integer('"ID_Artikel_Stamm"') }} as legacy_article_id,
        {{ clean_text('"UUID_Stamm_Lagerorte"') }}
            as storage_location_legacy_key,
        {{ to_integer('"Auftrags_Nr"') }} as order_number,

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
            'ID_Artikel_Stamm': to_integer('"ID_Artikel_Stamm"'),
            'Auftrags_Nr': to_integer('"Auftrags_Nr"'),
            'Bestand': to_numeric('"Bestand"'),
            'Reserved': to_boolean('"Reserved"'),
        }) }} as unreadable_attributes,

        ---- system
        "__STAMP" as legacy_stamp,
        _is_deleted as is_deleted,
        _deleted_at as deleted_at,
        _dlt_load_id as dlt_load_id

    from source

)

select * from renamed
