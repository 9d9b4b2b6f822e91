{#- One row per box type listed in the "Schüttentypen" parameter (its name
    is the key; the parameter row's deletion and time stamp apply to all of
    its types), mapped to pyERP's inventory_boxtype, with the reasons it
    cannot be published. Rejected: no Type (missing_key); a name an earlier
    entry already has (live first, then by parameter row and position:
    duplicate_key); a length, width, height or empty weight that is missing
    or negative (invalid_dimensions). A dimension pyERP's DecimalField cannot
    hold is rejected by the Django field rules (too_many_digits), which
    pyerp_validated applies with the casts (macros/pyerp_validated.sql). -#}
{%- set dimensions = ['length', 'width', 'height', 'weight_empty'] %}

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
        box_types.parameter_legacy_key,
        box_types.entry_number,

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
        box_types.legacy_modified_at as source_modified_at

    from box_types

),

checked as (

    {{ check_rows('mapped', errors={
        'missing_key': 'name is null',
        'duplicate_key': duplicate_key_condition('name',
            order_by=['parameter_legacy_key', 'entry_number']),
        'invalid_dimensions': 'length is null or width is null'
            ~ ' or height is null or weight_empty is null'
            ~ ' or least(length, width, height, weight_empty) < 0',
    }) }}

),

validated as (

    {{ pyerp_validated('checked', 'inventory_boxtype',
        business_key='checked.name',
        key='name',
        unreadable=false,
        details={
            'invalid_dimensions': values_details(dimensions,
                rule='given and not negative'),
        }) }}

)

select * from validated
