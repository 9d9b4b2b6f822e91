with

source as (

    select * from {{ source('legacy_4d', 'form_artikel') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_identifier('"FormNr"') }} as mold_number,

        ---- strings
        {{ clean_text('"Art_Nr"') }} as legacy_base_sku,

        ---- numerics
        {{ to_integer('"Anzahl"') }} as products_per_mold,
        {{ to_numeric('"Gewichtung"') }} as weight_per_product,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- checks
        {{ unreadable_attributes({
            'Anzahl': to_integer('"Anzahl"'),
            'Gewichtung': to_numeric('"Gewichtung"'),
        }) }} as unreadable_attributes,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
