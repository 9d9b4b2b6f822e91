{#- A live box content's slot belongs to a live box, and its product storage
    names a live product: the chain box storage -> slot -> box and box
    storage -> product storage -> variant resolves in the marts. Returns the
    box contents whose chain is broken. -#}
with

box_storages as (

    select * from {{ ref('inventory_boxstorage') }}
    where not is_deleted

),

box_slots as (

    select * from {{ ref('inventory_boxslot') }}

),

boxes as (

    select * from {{ ref('inventory_box') }}

),

product_storages as (

    select * from {{ ref('inventory_productstorage') }}

)

select box_storages.legacy_id
from box_storages
left join box_slots
    on box_storages.box_slot_legacy_id = box_slots.legacy_id
left join boxes
    on box_slots.box_legacy_id = boxes.legacy_id
left join product_storages
    on box_storages.product_storage_legacy_id = product_storages.legacy_id
where
    boxes.legacy_id is null
    or boxes.is_deleted
    or box_slots.is_deleted
    or product_storages.product_legacy_id is null
    or product_storages.is_deleted
