with

source as (

    select * from {{ source('legacy_4d', 'artikel_gruppe') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_text('"ArtGr"') }} as product_group_code,
        {{ clean_text('"Ober_ArtGr"') }} as parent_product_group_code,

        ---- strings
        {{ clean_text('"Bezeichnung"') }} as product_group_name,
        {{ clean_text('"Beschreibung"') }} as description,
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
