with

source as (

    select * from {{ source('legacy_4d', 'stamm_lager_schuetten_slots') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_identifier('"ID"') }} as legacy_id,
        {{ clean_identifier('"ID_Lager_Schuetten_Slots"') }}
            as box_legacy_id,
        {{ extract_deferred_key('viele_zu_eins') }} as box_relation_key,
        nullif({{ clean_identifier('"Auftrags_Nr"') }}, '0') as order_number,

        ---- numerics
        {{ to_integer('"Lfd_Nr"') }} as slot_number,

        ---- json
        {{ parse_json('data_') }} as slot_data,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- checks
        {{ unreadable_attributes({
            'Lfd_Nr': to_integer('"Lfd_Nr"'),
            'data_': parse_json('data_'),
        }) }} as unreadable_attributes,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
