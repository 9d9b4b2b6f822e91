{#- One row per Artikel_Variante row (deleted ones included), mapped to the
    columns of pyERP's VariantProduct (legacy-tables.md §2.2; the mart
    products_variantproduct's contract) and checked; pyerp_validated then
    applies the Django field rules and casts to pyERP's types (the pattern:
    macros/pyerp_columns.sql). Live rows are rejected for invalid_sku,
    empty_name, orphan_parent (Familie_ names no valid, live family: picked
    up again on a later build once it exists), and duplicate_key when an
    earlier-created variant (created date and time, then __KEY) that is
    otherwise valid or deleted already holds the SKU. A variant takes its
    family's category. A variant_code longer than pyERP's 10 characters is
    the CharField rule's: published '' with the warning value_too_long.
    Live rows are also rejected for unreadable_value: refOld, Gewicht, a flag
    or a date field was given but could not be read (staging's
    unreadable_attributes); publishing it as "no value" would bend the row, so
    pyERP keeps its last good version. Business key: the SKU. -#}
{%- set parents = [
    ('products_parentproduct', 'parent_legacy_id', 'has_valid_parent'),
] %}

with

product_variants as (

    select * from {{ ref('stg_legacy_4d__product_variants') }}

),

parent_products as (

    select * from {{ ref('int_products_parentproduct_validated') }}

),

valid_parent_products as (

    {{ valid_live_rows('parent_products', ['legacy_id']) }}

),

mapped as (

    select
        product_variants.legacy_key,
        product_variants.unreadable_attributes,
        product_variants.legacy_key as legacy_id,
        product_variants.sku,
        product_variants.product_name as name,  -- noqa: RF04
        product_variants.product_name_en as name_en,
        product_variants.short_description,
        '' as short_description_en,
        product_variants.description,
        null::text as description_en,
        '' as keywords,
        coalesce(product_variants.is_active, true) as is_active,
        false as is_discontinued,
        parent_products.category_code,
        product_variants.product_family_legacy_key as parent_legacy_id,
        valid_parent_products.legacy_id is not null as has_valid_parent,
        coalesce(
            product_variants.variant_code,
            case
                when product_variants.legacy_sku like '%-%'
                    then regexp_replace(product_variants.legacy_sku, '^.*-', '')
            end
        ) as variant_code,
        product_variants.legacy_sku,
        coalesce(
            product_variants.legacy_base_sku,
            nullif(
                regexp_replace(product_variants.legacy_sku, '-[^-]*$', ''),
                product_variants.legacy_sku
            )
        ) as legacy_base_sku,
        product_variants.legacy_article_id::text as "refOld",
        coalesce(product_variants.is_sales_article, false)
            as is_verkaufsartikel,
        {{ to_berlin_midnight('product_variants.release_date') }}
            as release_date,
        {{ to_berlin_midnight('product_variants.discontinuation_date') }}
            as auslaufdatum,
        product_variants.retail_price,
        product_variants.wholesale_price,
        product_variants.retail_unit,
        product_variants.wholesale_unit,
        product_variants.color,
        null::numeric as width_mm,
        false as is_featured,
        coalesce(product_variants.is_new, false) as is_new,
        false as is_bestseller,
        coalesce(product_variants.is_deleted, false) as is_deleted,
        product_variants.legacy_modified_at as source_modified_at,
        product_variants.created_date,
        product_variants.created_time
    from product_variants
    left join valid_parent_products
        on
            product_variants.product_family_legacy_key
            = valid_parent_products.legacy_id
    left join parent_products
        on
            product_variants.product_family_legacy_key
            = parent_products.legacy_id

),

checked as (

    {{ reject_later_duplicates('mapped', 'sku', errors={
        'invalid_sku': 'not ' ~ is_valid_sku('sku'),
        'empty_name': 'name is null',
        'orphan_parent': orphan_parent_condition(parents),
        'unreadable_value': has_unreadable_value('mapped'),
    }) }}

),

validated as (

    {{ pyerp_validated('checked', 'products_variantproduct',
        business_key='checked.sku',
        key='sku',
        details={
            'invalid_sku': column_details('sku'),
            'empty_name': column_details('name'),
            'orphan_parent': orphan_parent_details(parents),
        }) }}

)

select * from validated
