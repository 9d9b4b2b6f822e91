{#- One row per Artikel_Familie row (deleted ones included), mapped to the
    columns of pyERP's ParentProduct (legacy-tables.md §2.1; the mart
    products_parentproduct's contract) and checked; pyerp_validated then
    applies the Django field rules and casts to pyERP's types (the pattern:
    macros/pyerp_columns.sql). Live rows are rejected for invalid_sku,
    empty_name, negative_weight, and duplicate_key when an earlier-created
    family (created date and time, then __KEY) that is otherwise valid or
    deleted already holds the SKU (pyERP's sku is unique). legacy_base_sku
    comes from the family's variants, else its own Nummer
    (has_base_sku_from_variants says which).
    Live rows are also rejected for unreadable_value: Gewicht, a dimension, a
    flag or Release_date was given but could not be read (staging's
    unreadable_attributes); publishing it as "no value" would bend the row, so
    pyERP keeps its last good version. Business key: the SKU. -#}
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
        product_families.legacy_key as legacy_id,
        product_families.sku,
        product_families.product_name as name,  -- noqa: RF04
        product_families.product_name_en as name_en,
        product_families.short_description,
        product_families.short_description_en,
        product_families.description,
        product_families.description_en,
        '' as keywords,
        coalesce(product_families.is_active, true) as is_active,
        false as is_discontinued,
        product_families.product_group_code as category_code,
        coalesce(family_base_skus.legacy_base_sku, product_families.sku)
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

checked as (

    {{ reject_later_duplicates('mapped', 'sku', errors={
        'invalid_sku': 'not ' ~ is_valid_sku('sku'),
        'empty_name': 'name is null',
        'negative_weight': 'weight < 0',
        'unreadable_value': has_unreadable_value('mapped'),
    }) }}

),

validated as (

    {{ pyerp_validated('checked', 'products_parentproduct',
        business_key='checked.sku',
        key='sku',
        keep=['has_base_sku_from_variants'],
        details={
            'invalid_sku': column_details('sku'),
            'empty_name': column_details('name'),
            'negative_weight': column_details('weight'),
        }) }}

)

select * from validated
