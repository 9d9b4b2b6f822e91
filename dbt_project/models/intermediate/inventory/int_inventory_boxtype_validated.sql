{#- One row per box type listed in the "Schüttentypen" parameter (its name
    is the key; the parameter row's deletion and time stamp apply to all of
    its types), mapped to pyERP's inventory_boxtype, with the reasons it
    cannot be published. -#}
with

box_types as (

    select * from {{ ref('int_inventory_box_types_unnested') }}

),

mapped as (

    select  -- noqa: ST06
        ---- ids
        coalesce(
            box_types.name,
            box_types.parameter_legacy_key || '#' || box_types.entry_number
        ) as legacy_key,

        ---- strings
        box_types.name,
        '' as description,
        box_types.color,
        'numeric' as slot_naming_scheme,

        ---- numerics
        box_types.length,
        box_types.width,
        box_types.height,
        box_types.weight_empty,
        box_types.slot_count,

        ---- booleans
        true as is_synchronized,
        box_types.is_deleted,

        ---- timestamps
        box_types.legacy_modified_at as legacy_modified,
        box_types.legacy_modified_at as source_modified_at,

        ---- validation
        row_number() over (
            partition by box_types.name
            order by
                box_types.is_deleted asc,
                box_types.parameter_legacy_key asc,
                box_types.entry_number asc
        ) as name_rank

    from box_types

),

validated as (

    select
        mapped.*,
        array_remove(array[
            case when mapped.name is null then 'missing_key' end,
            case
                when mapped.name is not null and mapped.name_rank > 1
                    then 'duplicate_key'
            end,
            case
                when
                    mapped.length is null
                    or mapped.width is null
                    or mapped.height is null
                    or mapped.weight_empty is null
                    or greatest(
                        mapped.length, mapped.width, mapped.height
                    ) >= 1e4
                    or least(
                        mapped.length,
                        mapped.width,
                        mapped.height,
                        mapped.weight_empty
                    ) < 0
                    or mapped.weight_empty >= 1e8
                    then 'invalid_dimensions'
            end
        ], null) as rejection_reasons,
        array[]::text[] as warning_reasons
    from mapped

)

select * from validated
