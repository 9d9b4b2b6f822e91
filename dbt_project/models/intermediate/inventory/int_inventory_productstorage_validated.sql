{#- One row per Artikel_Lagerorte row (soft-deleted ones included), mapped to
    pyERP's inventory_productstorage, with the reasons it cannot be published
    (errors) or is published with a caveat (warnings). The product is the
    valid, live variant whose refOld equals ID_Artikel_Stamm (none:
    missing_product); the storage location the valid, live location whose
    __KEY is UUID_Stamm_Lagerorte (none, or one named but not found:
    missing_storage_location; pyERP's ProductStorage.storage_location is
    blank=False, so full_clean() refuses a row without one, though the
    column allows NULL). Reserved gives RESERVED,
    an Auftrags_Nr ALLOCATED (with the order as reference), else AVAILABLE.
    pyERP allows one row per (product, storage location): a later row (live
    first, then by __KEY) for a pair, or with a UUID, an earlier row already
    holds is rejected (duplicate_key); no UUID is missing_key.
    Live rows are also rejected for unreadable_value: ID_Artikel_Stamm,
    Auftrags_Nr, Bestand or Reserved was given but could not be read
    (staging's unreadable_attributes); publishing it as "no value" would bend
    the row, so pyERP keeps its last good version. A quantity outside
    pyERP's integer is rejected by the Django field rules (out_of_range),
    which pyerp_validated applies with the casts (macros/pyerp_validated.sql).
-#}
{%- set product = [(
    'products_variantproduct', 'legacy_article_id',
    'product_legacy_id is not null',
)] %}
{%- set storage_location = [(
    'inventory_storagelocation', 'storage_location_legacy_key',
    'storage_location_legacy_id is not null',
)] %}

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
        variants.legacy_key,
        variants.sku
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

    {{ valid_live_rows(
        'storage_locations', ['legacy_key', 'legacy_id', 'name']
    ) }}

),

mapped as (

    select  -- noqa: ST06
        ---- ids
        product_storages.legacy_key,
        product_storages.unreadable_attributes,
        product_storages.legacy_uuid as legacy_id,
        variants_by_article_id.legacy_key as product_legacy_id,
        valid_storage_locations.legacy_id as storage_location_legacy_id,
        product_storages.legacy_article_id,
        product_storages.storage_location_legacy_key,
        variants_by_article_id.sku as product_sku,
        valid_storage_locations.name as storage_location_name,

        ---- strings
        case
            when product_storages.is_reserved then 'RESERVED'
            when product_storages.order_number is not null
                then 'ALLOCATED'
            else 'AVAILABLE'
        end as reservation_status,
        product_storages.order_number as reservation_reference,

        ---- numerics
        round(coalesce(product_storages.stock_quantity, 0)) as quantity,

        ---- booleans
        true as is_synchronized,
        product_storages.is_deleted,

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

checked as (

    {{ check_rows('mapped', errors={
        'missing_key': 'legacy_id is null',
        'duplicate_key': duplicate_key_condition('legacy_id',
            also=['product_legacy_id', 'storage_location_legacy_id']),
        'missing_product': 'not is_deleted and '
            ~ orphan_parent_condition(product),
        'missing_storage_location': 'not is_deleted and '
            ~ orphan_parent_condition(storage_location),
        'unreadable_value': has_unreadable_value('mapped'),
    }) }}

),

validated as (

    {{ pyerp_validated('checked', 'inventory_productstorage',
        business_key="nullif(concat_ws(' @ ', checked.product_sku,"
            ~ " checked.storage_location_name), '')",
        key=['legacy_id', 'product_legacy_id', 'storage_location_legacy_id'],
        details={
            'missing_product': orphan_parent_details(product),
            'missing_storage_location':
                orphan_parent_details(storage_location),
        }) }}

)

select * from validated
