{#- One row per 4D product family (`Artikel_Familie`) that passed validation, or
    that was deleted in 4D: pyERP's ParentProduct. Merged on `legacy_id`.
    Only rows without rejection reasons come in; an incremental build
    writes only new or changed rows (select_changed_rows). -#}
{{ config(unique_key='legacy_id') }}

with

validated as (

    select * from {{ ref('int_products_parentproduct_validated') }}
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
        legacy_base_sku,
        release_date,
        is_new,
        weight,
        is_one_sided,
        is_hanging,
        length_mm,
        width_mm,
        height_mm,
        content_hash,
        is_deleted,
        source_modified_at
    from changed

)

select * from final
