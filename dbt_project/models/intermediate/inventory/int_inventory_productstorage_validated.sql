{#- One row per Artikel_Lagerorte row (soft-deleted ones included), mapped to
    pyERP's inventory_productstorage, with the reasons it cannot be published
    (errors) or is published with a caveat (warnings). The product is the
    valid, live variant whose refOld equals ID_Artikel_Stamm (none:
    missing_product); the storage location the valid, live location whose
    __KEY is UUID_Stamm_Lagerorte. Reserved gives RESERVED, an Auftrags_Nr
    other than 0 ALLOCATED (with the order as reference), else AVAILABLE.
    pyERP allows one row per (product, storage location).
    Live rows are also rejected for unreadable_value: ID_Artikel_Stamm,
    Auftrags_Nr, Bestand or Reserved was given but could not be read
    (staging's unreadable_attributes); publishing it as "no value" would bend
    the row, so pyERP keeps its last good version. -#}
with

product_storages as (

    select * from {{ ref('stg_legacy_4d__product_stock_locations') }}

),

variants as (

    select * from {{ ref('stg_legacy_4d__product_variants') }}

),

validated_variants as (

    select * from {{ ref('int_products_variantproduct_validated') }}

),

storage_locations as (

    select * from {{ ref('int_inventory_storagelocation_validated') }}

),

variants_by_article_id as (

    select distinct on (variants.legacy_article_id)
        variants.legacy_article_id,
        variants.legacy_key
    from variants
    inner join validated_variants
        on variants.legacy_key = validated_variants.legacy_key
    where
        cardinality(validated_variants.rejection_reasons) = 0
        and not variants.is_deleted
        and variants.legacy_article_id is not null
    order by  -- noqa: AM06
        variants.legacy_article_id asc,
        variants.legacy_key asc

),

valid_storage_locations as (

    select
        storage_locations.legacy_key,
        storage_locations.legacy_id
    from storage_locations
    where
        cardinality(storage_locations.rejection_reasons) = 0
        and not storage_locations.is_deleted

),

mapped as (

    select  -- noqa: ST06
        ---- ids
        product_storages.legacy_key,
        product_storages.unreadable_attributes,
        product_storages.legacy_uuid as legacy_id,
        variants_by_article_id.legacy_key as product_legacy_id,
        valid_storage_locations.legacy_id as storage_location_legacy_id,

        ---- strings
        case
            when product_storages.is_reserved then 'RESERVED'
            when coalesce(product_storages.order_number, 0) <> 0
                then 'ALLOCATED'
            else 'AVAILABLE'
        end as reservation_status,
        coalesce(nullif(product_storages.order_number, 0)::text, '')
            as reservation_reference,

        ---- numerics
        round(coalesce(product_storages.stock_quantity, 0)) as quantity,

        ---- booleans
        true as is_synchronized,
        product_storages.is_deleted,
        product_storages.storage_location_legacy_key is not null
            as has_storage_location,

        ---- timestamps
        product_storages.legacy_modified_at as legacy_modified,
        product_storages.legacy_modified_at as source_modified_at

    from product_storages
    left join variants_by_article_id
        on
            product_storages.legacy_article_id
            = variants_by_article_id.legacy_article_id
    left join valid_storage_locations
        on
            product_storages.storage_location_legacy_key
            = valid_storage_locations.legacy_key

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
                mapped.product_legacy_id, mapped.storage_location_legacy_id
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
                            ranked.product_legacy_id is not null
                            and ranked.storage_location_legacy_id is not null
                            and ranked.place_rank > 1
                        )
                    )
                    then 'duplicate_key'
            end,
            case
                when not ranked.is_deleted and ranked.product_legacy_id is null
                    then 'missing_product'
            end,
            case
                when abs(ranked.quantity) > 2147483647
                    then 'amount_out_of_range'
            end,
            {{ unreadable_value_reason('ranked') }}
        ], null) as rejection_reasons,
        array_remove(array[
            case
                when
                    not ranked.is_deleted
                    and ranked.has_storage_location
                    and ranked.storage_location_legacy_id is null
                    then 'unknown_storage_location'
            end
        ], null) as warning_reasons
    from ranked

)

select * from validated
