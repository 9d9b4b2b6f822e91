{#- One row per Artikel_Familie row (deleted ones included), mapped to
    pyERP's ParentProduct (legacy-tables.md §2.1) and checked. Live rows are
    rejected for invalid_sku, empty_name, negative_weight, and duplicate_key
    when an earlier-created family (created date and time, then __KEY) that
    is otherwise valid or deleted already holds the SKU (pyERP's sku is
    unique). legacy_base_sku comes from the family's variants, else its own
    Nummer (has_base_sku_from_variants says which).
    Live rows are also rejected for unreadable_value: Gewicht, a dimension, a
    flag or Release_date was given but could not be read (staging's
    unreadable_attributes); publishing it as "no value" would bend the row, so
    pyERP keeps its last good version. -#}
with

product_families as (

    select * from {{ ref('stg_legacy_4d__product_families') }}

),

family_base_skus as (

    select * from {{ ref('int_product_family_base_skus_aggregated') }}

),

mapped as (

    select
        product_families.legacy_key,
        product_families.unreadable_attributes,
        product_families.sku,
        product_families.product_name,
        coalesce(product_families.product_name_en, '') as name_en,
        coalesce(product_families.short_description, '') as short_description,
        coalesce(product_families.short_description_en, '')
            as short_description_en,
        product_families.description,
        product_families.description_en,
        '' as keywords,
        coalesce(product_families.is_active, true) as is_active,
        false as is_discontinued,
        product_families.product_group_code as category_code,
        coalesce(family_base_skus.legacy_base_sku, product_families.sku, '')
            as legacy_base_sku,
        family_base_skus.legacy_base_sku is not null
            as has_base_sku_from_variants,
        {{ to_berlin_midnight('product_families.release_date') }}
            as release_date,
        coalesce(product_families.is_new, false) as is_new,
        product_families.weight_grams as weight,
        coalesce(product_families.is_one_sided, false) as is_one_sided,
        coalesce(product_families.is_hanging, false) as is_hanging,
        product_families.depth_mm as length_mm,
        product_families.width_mm,
        product_families.height_mm,
        coalesce(product_families.is_deleted, false) as is_deleted,
        product_families.legacy_modified_at as source_modified_at,
        product_families.created_date,
        product_families.created_time
    from product_families
    left join family_base_skus
        on
            product_families.legacy_key
            = family_base_skus.product_family_legacy_key

),

row_checked as (

    select
        *,
        array_remove(array[
            case when not {{ is_valid_sku('sku') }} then 'invalid_sku' end,
            case when product_name is null then 'empty_name' end,
            case when weight < 0 then 'negative_weight' end,
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
        legacy_base_sku::varchar(255) as legacy_base_sku,
        release_date::timestamptz as release_date,
        is_new,
        weight::integer as weight,
        is_one_sided,
        is_hanging,
        length_mm::numeric(10, 2) as length_mm,
        width_mm::numeric(10, 2) as width_mm,
        height_mm::numeric(10, 2) as height_mm,
        is_deleted,
        source_modified_at,
        has_base_sku_from_variants,
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
            'legacy_base_sku', 'release_date', 'is_new', 'weight',
            'is_one_sided', 'is_hanging', 'length_mm', 'width_mm',
            'height_mm', 'is_deleted', 'source_modified_at',
        ]) }} as content_hash,
        array_to_string(rejection_reasons, ',') as rejection_reasons_text,
        array_to_string(warning_reasons, ',') as warning_reasons_text
    from typed

)

select * from validated
