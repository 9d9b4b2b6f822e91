{#- One row per Stamm_Lager_Schuetten_Slots row (soft-deleted ones included),
    mapped to pyERP's inventory_boxslot, with the reasons it cannot be
    published. The box is ID_Lager_Schuetten_Slots (the box's ID), else the
    box the deferred viele_zu_eins relation names; it must be a valid, live
    box. pyERP allows one slot per (box, slot code): later slots with a code
    their box already has are rejected (duplicate_key).
    Live rows are also rejected for unreadable_value:
    ID_Lager_Schuetten_Slots, Auftrags_Nr or Lfd_Nr was given but could not be
    read (staging's unreadable_attributes); publishing it as "no value" would
    bend the row, so pyERP keeps its last good version. -#}
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

    select
        boxes.legacy_id,
        boxes.code
    from boxes
    where
        cardinality(boxes.rejection_reasons) = 0
        and not boxes.is_deleted

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
        coalesce(
            {{ clean_text("slots.slot_data ->> 'Einheitenfabe'") }}, ''
        ) as color_code,
        coalesce(nullif(slots.order_number, 0)::text, '') as order_number,

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

ranked as (

    select
        mapped.*,
        coalesce(mapped.box_code, '') || '.' || mapped.slot_code as barcode,
        row_number() over (
            partition by mapped.legacy_id
            order by mapped.is_deleted asc, mapped.legacy_key asc
        ) as legacy_id_rank,
        row_number() over (
            partition by mapped.named_box_legacy_id, mapped.slot_code
            order by
                mapped.is_deleted asc,
                mapped.slot_number asc,
                mapped.legacy_key asc
        ) as slot_code_rank
    from mapped

),

validated as (

    select
        ranked.*,
        array_remove(array[
            case when ranked.legacy_id is null then 'missing_key' end,
            case
                when
                    ranked.legacy_id is not null
                    and (
                        ranked.legacy_id_rank > 1
                        or (
                            ranked.named_box_legacy_id is not null
                            and ranked.slot_code_rank > 1
                        )
                    )
                    then 'duplicate_key'
            end,
            case
                when not ranked.is_deleted and ranked.box_legacy_id is null
                    then 'missing_box'
            end,
            {{ unreadable_value_reason('ranked') }}
        ], null) as rejection_reasons,
        array[]::text[] as warning_reasons
    from ranked

)

select * from validated
