{#- One row per Lager_Schuetten row (soft-deleted ones included), mapped to
    pyERP's inventory_boxstorage, with the reasons it cannot be published.
    The product storage is the valid, live Artikel_Lagerorte row whose UUID
    is UUID_Artikel_Lagerorte (none: missing_product_storage); the slot the
    valid, live slot the deferred Relation_95_zurueck names (none:
    missing_box_slot). pyERP allows one row per (slot, product storage,
    batch, position in slot) where the batch is given.
    Live rows are also rejected for unreadable_value:
    ID_Stamm_Lager_Schuetten, Menge or Ablaufdatum was given but could not be
    read (staging's unreadable_attributes); publishing it as "no value" would
    bend the row, so pyERP keeps its last good version. -#}
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

    select product_storages.legacy_id
    from product_storages
    where
        cardinality(product_storages.rejection_reasons) = 0
        and not product_storages.is_deleted

),

valid_box_slots as (

    select
        box_slots.legacy_key,
        box_slots.legacy_id
    from box_slots
    where
        cardinality(box_slots.rejection_reasons) = 0
        and not box_slots.is_deleted

),

mapped as (

    select  -- noqa: ST06
        ---- ids
        box_contents.legacy_key,
        box_contents.unreadable_attributes,
        box_contents.legacy_id::text as legacy_id,
        valid_product_storages.legacy_id as product_storage_legacy_id,
        valid_box_slots.legacy_id as box_slot_legacy_id,
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

ranked as (

    select
        mapped.*,
        row_number() over (
            partition by mapped.legacy_id
            order by mapped.is_deleted asc, mapped.legacy_key asc
        ) as legacy_id_rank,
        row_number() over (
            partition by
                mapped.box_slot_legacy_id,
                mapped.product_storage_legacy_id,
                mapped.batch_number,
                mapped.position_in_slot
            order by mapped.is_deleted asc, mapped.legacy_key asc
        ) as place_rank
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
                            ranked.box_slot_legacy_id is not null
                            and ranked.product_storage_legacy_id is not null
                            and ranked.batch_number is not null
                            and ranked.place_rank > 1
                        )
                    )
                    then 'duplicate_key'
            end,
            case
                when
                    not ranked.is_deleted
                    and ranked.product_storage_legacy_id is null
                    then 'missing_product_storage'
            end,
            case
                when not ranked.is_deleted and ranked.box_slot_legacy_id is null
                    then 'missing_box_slot'
            end,
            case
                when abs(ranked.quantity) > 2147483647
                    then 'amount_out_of_range'
            end,
            {{ unreadable_value_reason('ranked') }}
        ], null) as rejection_reasons,
        array[]::text[] as warning_reasons
    from ranked

)

select * from validated
