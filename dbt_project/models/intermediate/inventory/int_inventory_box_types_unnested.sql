{#- One row per box type listed in the parameter row(s) of scope
    "Schüttentypen" (data_.Schüttentypen[]), in pyERP's units: Box_Länge,
    Box_Breite and Box_Höhe from mm to cm (x 0.1), Box_Gewicht from g to kg
    (x 0.001), rounded to 2 decimals; the colour is the German colour word
    in the name (seed sales_inventory_choices, set inventory_box_color),
    else "other". -#}
with

parameters as (

    select * from {{ ref('stg_legacy_4d__parameters') }}

),

colours as (

    {{ legacy_choices('inventory_box_color', 'color') }}

),

entries as (

    select
        parameters.legacy_key as parameter_legacy_key,
        parameters.is_deleted,
        parameters.legacy_modified_at,
        box_type.entry,
        box_type.entry_number
    from parameters
    cross join
        lateral jsonb_array_elements(
            case
                when
                    jsonb_typeof(parameters.parameter_data -> 'Schüttentypen')
                    = 'array'
                    then parameters.parameter_data -> 'Schüttentypen'
                else '[]'::jsonb
            end
        ) with ordinality as box_type (entry, entry_number)
    where parameters.parameter_scope = 'Schüttentypen'

),

converted as (

    select
        entries.parameter_legacy_key,
        entries.entry_number,
        {{ clean_text("entries.entry ->> 'Type'") }} as name,  -- noqa: RF04
        round({{ to_numeric("entries.entry ->> 'Box_Länge'") }} * 0.1, 2)
            as length,
        round({{ to_numeric("entries.entry ->> 'Box_Breite'") }} * 0.1, 2)
            as width,
        round({{ to_numeric("entries.entry ->> 'Box_Höhe'") }} * 0.1, 2)
            as height,
        round({{ to_numeric("entries.entry ->> 'Box_Gewicht'") }} * 0.001, 2)
            as weight_empty,
        {{ to_numeric("entries.entry ->> 'Trenner_Gewicht'") }}
            as divider_weight_grams,
        coalesce({{ to_integer("entries.entry ->> 'Slots'") }}, 1)
            as slot_count,
        {{ to_integer("entries.entry ->> 'id'") }} as legacy_type_number,
        entries.is_deleted,
        entries.legacy_modified_at
    from entries

),

coloured as (

    select
        converted.*,
        coalesce(
            (
                select min(colours.color)
                from colours
                where
                    lower(converted.name)
                    ~ ('\m' || colours.legacy_code || '\M')
            ),
            'other'
        ) as color
    from converted

)

select * from coloured
