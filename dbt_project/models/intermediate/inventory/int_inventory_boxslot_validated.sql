{#- One row per Stamm_Lager_Schuetten_Slots row (soft-deleted ones included),
    mapped to pyERP's inventory_boxslot, with the reasons it cannot be
    published. The box is ID_Lager_Schuetten_Slots (the box's ID), else the
    box the deferred viele_zu_eins relation names; it must be a valid, live
    box (missing_box). pyERP allows one slot per (box, slot code): a later
    slot (live first, then by Lfd_Nr and __KEY) with a code its box already
    has is rejected (duplicate_key), as is a later row with the same ID; no
    ID is missing_key.
    Live rows are also rejected for unreadable_value:
    ID_Lager_Schuetten_Slots, Auftrags_Nr or Lfd_Nr was given but could not be
    read (staging's unreadable_attributes); publishing it as "no value" would
    bend the row, so pyERP keeps its last good version. The Django field
    rules and the casts are pyerp_validated's (macros/pyerp_validated.sql).
-#}
{%- set box = [
    ('inventory_box', 'named_box_legacy_id', 'box_legacy_id is not null'),
] %}

with

slots as (

    select * from {{ ref('stg_legacy_4d__box_slots') }}

),

box_rows as (

    select * from {{ ref('stg_legacy_4d__boxes') }}

),

boxes as (

    select * from {{ ref('int_inventory_box_validated') }}

),

valid_boxes as (

    {{ valid_live_rows('boxes', ['legacy_id', 'code']) }}

),

mapped as (

    select
        ---- ids
        slots.legacy_key,
        slots.unreadable_attributes,
        slots.legacy_id::text as legacy_id,
        valid_boxes.legacy_id as box_legacy_id,
        slots.box_legacy_id::text as legacy_slot_id,

        ---- strings
        coalesce(
            {{ clean_text("slots.slot_data ->> 'Slot_Code'") }},
            'S' || coalesce(slots.slot_number, 1)
        ) as slot_code,
        {{ clean_text("slots.slot_data ->> 'Einheitenfabe'") }} as color_code,
        slots.order_number,

        ---- numerics
        coalesce(slots.slot_number, 1) as slot_number,
        coalesce(
            {{ to_integer("slots.slot_data ->> 'Einheiten_Nr'") }}, 1
        ) as unit_number,
        1 as capacity,
        100 as max_products,

        ---- booleans
        false as occupied,
        true as is_synchronized,
        slots.is_deleted,

        ---- timestamps
        slots.legacy_modified_at as legacy_modified,
        slots.legacy_modified_at as source_modified_at,

        ---- other
        valid_boxes.code as box_code,
        coalesce(slots.box_legacy_id::text, box_rows.legacy_id::text)
            as named_box_legacy_id

    from slots
    left join box_rows
        on slots.box_relation_key = box_rows.legacy_key
    left join valid_boxes
        on
            coalesce(slots.box_legacy_id::text, box_rows.legacy_id::text)
            = valid_boxes.legacy_id

),

checked as (

    select
        mapped.*,
        coalesce(mapped.box_code, '') || '.' || mapped.slot_code as barcode,
        {{ reason_codes({
            'missing_key': 'legacy_id is null',
            'duplicate_key': duplicate_key_condition('legacy_id')
                ~ ' or ' ~ duplicate_key_condition(
                    ['named_box_legacy_id', 'slot_code'],
                    order_by=['slot_number', 'legacy_key'],
                    given=['legacy_id']),
            'missing_box': 'not is_deleted and ' ~ orphan_parent_condition(box),
            'unreadable_value': has_unreadable_value('mapped'),
        }) }} as rejection_reasons,
        '{}'::text[] as warning_reasons
    from mapped

),

validated as (

    {{ pyerp_validated('checked', 'inventory_boxslot',
        business_key="nullif(concat_ws('.', checked.box_code,"
            ~ " checked.slot_code), '')",
        key=['legacy_id', 'named_box_legacy_id', 'slot_code'],
        details={'missing_box': orphan_parent_details(box)}) }}

)

select * from validated
