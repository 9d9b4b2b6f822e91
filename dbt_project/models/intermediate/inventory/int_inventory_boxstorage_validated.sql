{#- One row per Lager_Schuetten row (soft-deleted ones included), mapped to
    pyERP's inventory_boxstorage, with the reasons it cannot be published.
    The product storage is the valid, live Artikel_Lagerorte row whose UUID
    is UUID_Artikel_Lagerorte (none: missing_product_storage); the slot the
    valid, live slot the deferred Relation_95_zurueck names (none:
    missing_box_slot). pyERP allows one row per (slot, product storage,
    batch, position in slot) where the batch is given: a later row (live
    first, then by __KEY) for such a place, or with an ID an earlier row
    already holds, is rejected (duplicate_key); no ID is missing_key.
    Live rows are also rejected for unreadable_value:
    ID_Stamm_Lager_Schuetten, Menge or Ablaufdatum was given but could not be
    read (staging's unreadable_attributes); publishing it as "no value" would
    bend the row, so pyERP keeps its last good version. A quantity outside
    pyERP's integer is rejected by the Django field rules (out_of_range),
    which pyerp_validated applies with the casts (macros/pyerp_validated.sql).
-#}
{%- set place = [
    'box_slot_legacy_id', 'product_storage_legacy_id', 'batch_number',
    'position_in_slot',
] %}
{%- set product_storage = [(
    'inventory_productstorage', 'product_stock_location_legacy_uuid',
    'product_storage_legacy_id is not null',
)] %}
{%- set box_slot = [(
    'inventory_boxslot', 'box_slot_relation_key',
    'box_slot_legacy_id is not null',
)] %}

with

box_contents as (

    select * from {{ ref('stg_legacy_4d__box_contents') }}

),

product_storages as (

    select * from {{ ref('int_inventory_productstorage_validated') }}

),

box_slots as (

    select * from {{ ref('int_inventory_boxslot_validated') }}

),

valid_product_storages as (

    {{ valid_live_rows('product_storages', ['legacy_id']) }}

),

valid_box_slots as (

    {{ valid_live_rows('box_slots', ['legacy_key', 'legacy_id', 'barcode']) }}

),

mapped as (

    select  -- noqa: ST06
        ---- ids
        box_contents.legacy_key,
        box_contents.unreadable_attributes,
        box_contents.legacy_id::text as legacy_id,
        valid_product_storages.legacy_id as product_storage_legacy_id,
        valid_box_slots.legacy_id as box_slot_legacy_id,
        box_contents.product_stock_location_legacy_uuid,
        box_contents.box_slot_relation_key,
        valid_box_slots.barcode as box_slot_barcode,
        null::bigint as created_by_id,

        ---- strings
        '' as position_in_slot,
        box_contents.batch_number,

        ---- numerics
        round(coalesce(box_contents.quantity, 0)) as quantity,

        ---- booleans
        true as is_synchronized,
        box_contents.is_deleted,

        ---- dates
        box_contents.expiry_date,

        ---- timestamps
        box_contents.legacy_modified_at as legacy_modified,
        box_contents.legacy_modified_at as source_modified_at

    from box_contents
    left join valid_product_storages
        on
            box_contents.product_stock_location_legacy_uuid
            = valid_product_storages.legacy_id
    left join valid_box_slots
        on box_contents.box_slot_relation_key = valid_box_slots.legacy_key

),

checked as (

    {{ check_rows('mapped', errors={
        'missing_key': 'legacy_id is null',
        'duplicate_key': duplicate_key_condition('legacy_id', also=place),
        'missing_product_storage': 'not is_deleted and '
            ~ orphan_parent_condition(product_storage),
        'missing_box_slot': 'not is_deleted and '
            ~ orphan_parent_condition(box_slot),
        'unreadable_value': has_unreadable_value('mapped'),
    }) }}

),

validated as (

    {{ pyerp_validated('checked', 'inventory_boxstorage',
        business_key="nullif(concat_ws('/', checked.box_slot_barcode,"
            ~ " checked.batch_number), '')",
        key=['legacy_id'] + place,
        details={
            'missing_product_storage': orphan_parent_details(product_storage),
            'missing_box_slot': orphan_parent_details(box_slot),
        }) }}

)

select * from validated
