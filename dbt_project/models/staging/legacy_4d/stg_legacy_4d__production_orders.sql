with

source as (

    select * from {{ source('legacy_4d', 'werksauftraege') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_identifier('"UUID"') }} as legacy_uuid,
        {{ clean_identifier('"WerkAufNr"') }} as production_order_number,
        {{ clean_identifier('"Form_Nr"') }} as mold_number,
        {{ clean_identifier('"linked_Form"') }} as mold_legacy_key,

        ---- strings
        upper({{ clean_text('"Status"') }}) as status_code,
        {{ clean_text('created_name') }} as created_by,
        {{ clean_text('modified_name') }} as modified_by,

        ---- numerics
        {{ to_integer('"Stückzahl"') }} as quantity,
        {{ to_integer('"Prio"') }} as priority,

        ---- dates
        {{ parse_4d_date('eingestellt') }} as placed_date,
        {{ parse_4d_date('"Termin"') }} as planned_date,
        {{ parse_4d_date('created_date') }} as created_date,
        {{ parse_4d_time('created_time') }} as created_time,
        {{ parse_4d_date('modified_date') }} as modified_date,
        {{ parse_4d_time('modified_time') }} as modified_time,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- checks
        {{ unreadable_attributes({
            'Stückzahl': to_integer('"Stückzahl"'),
            'Prio': to_integer('"Prio"'),
            'eingestellt': parse_4d_date('eingestellt'),
            'Termin': parse_4d_date('"Termin"'),
        }) }} as unreadable_attributes,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
