with

source as (

    select * from {{ source('legacy_4d', 'werksauftr_pos') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_identifier('"UUID"') }} as legacy_uuid,
        {{ clean_identifier('"W_Auftr_Nr"') }}
            as production_order_number,
        {{ to_integer('"WAP_Nr"') }} as line_number,
        {{ clean_identifier('"linked_Kostenstelle"') }}
            as cost_center_legacy_key,
        {{ clean_identifier('"linked_Form_Artikel"') }}
            as mold_product_legacy_key,

        ---- strings
        {{ clean_text('"Art_Nr"') }} as legacy_base_sku,
        upper({{ clean_text('"Arbeitsgang"') }}) as operation_code,
        upper({{ clean_text('"Status"') }}) as status_code,

        ---- numerics
        {{ to_integer('"St_Soll"') }} as target_quantity,
        {{ to_integer('"St_Haben"') }} as completed_quantity,
        {{ to_integer('"St_Rest"') }} as remaining_quantity,
        {{ to_numeric('"Anteil"') }} as product_share,
        {{ to_integer('"Zeit"') }} as estimated_time,
        {{ to_numeric('"St_Std"') }} as standard_time,
        {{ to_numeric('"Wert"') }} as line_value,

        ---- dates
        {{ parse_4d_date('"Datum_begin"') }} as start_date,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- checks
        {{ unreadable_attributes({
            'St_Soll': to_integer('"St_Soll"'),
            'St_Haben': to_integer('"St_Haben"'),
            'St_Rest': to_integer('"St_Rest"'),
            'Anteil': to_numeric('"Anteil"'),
            'Zeit': to_integer('"Zeit"'),
            'St_Std': to_numeric('"St_Std"'),
            'Wert': to_numeric('"Wert"'),
            'Datum_begin': parse_4d_date('"Datum_begin"'),
        }) }} as unreadable_attributes,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
