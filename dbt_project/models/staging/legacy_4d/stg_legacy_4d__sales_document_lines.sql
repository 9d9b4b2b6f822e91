with

source as (

    select * from {{ source('legacy_4d', 'belege_pos') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_identifier('"AbsNr"') }} as sales_document_number,
        {{ to_integer('"PosNr"') }} as position_number,

        ---- strings
        {{ clean_text('"ArtNr"') }} as legacy_sku,
        {{ clean_text('"Bezeichnung"') }} as description,
        upper({{ clean_text('"Art"') }}) as line_type_code,
        {{ clean_multiline_text('"Anmerkung"') }} as notes,

        ---- numerics
        {{ to_numeric('"Menge"') }} as quantity,
        {{ to_numeric('"Preis"') }} as unit_price,
        {{ to_numeric('"Rabatt"') }} as discount_percent,
        {{ to_numeric('"Pos_Betrag"') }} as line_amount,
        {{ to_numeric('"Pick_Menge"') }} as picked_quantity,

        ---- booleans
        {{ to_boolean('"Picking_ok"') }} as is_picking_complete,
        {{ to_boolean('"PreOrder"') }} as is_preorder,

        ---- dates
        {{ parse_4d_date('"Termin"') }} as due_date,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- checks
        {{ unreadable_attributes({
            'Menge': to_numeric('"Menge"'),
            'Preis': to_numeric('"Preis"'),
            'Rabatt': to_numeric('"Rabatt"'),
            'Pos_Betrag': to_numeric('"Pos_Betrag"'),
            'Pick_Menge': to_numeric('"Pick_Menge"'),
            'Picking_ok': to_boolean('"Picking_ok"'),
            'PreOrder': to_boolean('"PreOrder"'),
            'Termin': parse_4d_date('"Termin"'),
        }) }} as unreadable_attributes,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
