{#- One row per Artikel_Variante row (deleted ones included), mapped to
    pyERP's VariantProduct (legacy-tables.md §2.2) and checked. Live rows are
    rejected for invalid_sku, empty_name, invalid_variant_code (longer than
    pyERP's 10 characters), orphan_parent (Familie_ names no valid, live
    family: picked up again on a later build once it exists), and
    duplicate_key when an earlier-created variant (created date and time, then
    __KEY) that is otherwise valid or deleted already holds the SKU. A variant
    takes its family's category.
    Live rows are also rejected for unreadable_value: refOld, Gewicht, a flag
    or a date field was given but could not be read (staging's
    unreadable_attributes); publishing it as "no value" would bend the row, so
    pyERP keeps its last good version. -#}
with

product_variants as (

    select * from {{ ref('stg_legacy_4d__product_variants') }}

),

parent_products as (

    select * from {{ ref('int_products_parentproduct_validated') }}

),

valid_parent_products as (

    select
        legacy_id,
        category_code
    from parent_products
    where not is_deleted and cardinality(rejection_reasons) = 0

),

mapped as (

    select
        product_variants.legacy_key,
        product_variants.unreadable_attributes,
        product_variants.sku,
        product_variants.product_name,
        coalesce(product_variants.product_name_en, '') as name_en,
        coalesce(product_variants.short_description, '') as short_description,
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
            end,
            ''
        ) as variant_code,
        product_variants.legacy_sku,
        coalesce(
            product_variants.legacy_base_sku,
            nullif(
                regexp_replace(product_variants.legacy_sku, '-[^-]*$', ''),
                product_variants.legacy_sku
            ),
            ''
        ) as legacy_base_sku,
        product_variants.legacy_article_id::text as ref_old,
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

row_checked as (

    select
        *,
        array_remove(array[
            case when not {{ is_valid_sku('sku') }} then 'invalid_sku' end,
            case when product_name is null then 'empty_name' end,
            case
                when char_length(variant_code) > 10
                    then 'invalid_variant_code'
            end,
            case when not has_valid_parent then 'orphan_parent' end,
            case
                when unreadable_attributes <> ''
                    then 'unreadable_value'
            end
        ], null) as row_errors
    from mapped

),

checked as (

    {{ reject_later_duplicates('row_checked', 'sku') }}

),

typed as (

    select
        legacy_key,
        legacy_key::varchar(50) as legacy_id,
        sku::varchar(50) as sku,
        name_en::varchar(255) as name_en,
        short_description::text as short_description,
        short_description_en::text as short_description_en,
        description::text as description,
        description_en::text as description_en,
        keywords::varchar(255) as keywords,
        is_active,
        is_discontinued,
        category_code::varchar(255) as category_code,
        parent_legacy_id::varchar(50) as parent_legacy_id,
        variant_code::varchar(10) as variant_code,
        legacy_sku::varchar(50) as legacy_sku,
        legacy_base_sku::varchar(50) as legacy_base_sku,
        ref_old::varchar(50) as "refOld",
        is_verkaufsartikel,
        release_date::timestamptz as release_date,
        auslaufdatum::timestamptz as auslaufdatum,
        retail_price::numeric(10, 2) as retail_price,
        wholesale_price::numeric(10, 2) as wholesale_price,
        retail_unit::integer as retail_unit,
        wholesale_unit::integer as wholesale_unit,
        color::varchar(50) as color,
        width_mm::numeric(10, 2) as width_mm,
        is_featured,
        is_new,
        is_bestseller,
        is_deleted,
        source_modified_at,
        rejection_reasons,
        warning_reasons,
        coalesce(product_name, '')::varchar(255) as name  -- noqa: RF04
    from checked

),

validated as (

    select
        *,
        {{ content_hash([
            'legacy_id', 'sku', 'name', 'name_en', 'short_description',
            'short_description_en', 'description', 'description_en',
            'keywords', 'is_active', 'is_discontinued', 'category_code',
            'parent_legacy_id', 'variant_code', 'legacy_sku',
            'legacy_base_sku', '"refOld"', 'is_verkaufsartikel',
            'release_date', 'auslaufdatum', 'retail_price', 'wholesale_price',
            'retail_unit', 'wholesale_unit', 'color', 'width_mm',
            'is_featured', 'is_new', 'is_bestseller', 'is_deleted',
            'source_modified_at',
        ]) }} as content_hash,
        array_to_string(rejection_reasons, ',') as rejection_reasons_text,
        array_to_string(warning_reasons, ',') as warning_reasons_text
    from typed

)

select * from validated
