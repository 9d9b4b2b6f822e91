{#- One row per 4D product variant (`Artikel_Variante`) that passed validation,
    or that was deleted in 4D: pyERP's VariantProduct. Merged on
    `legacy_id`.
    Only rows without rejection reasons come in; an incremental build
    writes only new or changed rows (select_changed_rows). -#}
{{ config(unique_key='legacy_id') }}

with

validated as (

    select * from {{ ref('int_products_variantproduct_validated') }}
    where cardinality(rejection_reasons) = 0

),

changed as (

    {{ select_changed_rows('validated', 'legacy_id') }}

),

final as (

    select
        legacy_id,
        sku,
        name,
        name_en,
        short_description,
        short_description_en,
        description,
        description_en,
        keywords,
        is_active,
        is_discontinued,
        category_code,
        parent_legacy_id,
        variant_code,
        legacy_sku,
        legacy_base_sku,
        "refOld",
        is_verkaufsartikel,
        release_date,
        auslaufdatum,
        retail_price,
        wholesale_price,
        retail_unit,
        wholesale_unit,
        color,
        width_mm,
        is_featured,
        is_new,
        is_bestseller,
        content_hash,
        is_deleted,
        source_modified_at
    from changed

)

select * from final
