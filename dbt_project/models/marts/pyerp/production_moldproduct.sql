{#- One row per 4D mold article (`Form_Artikel`) that passed validation, or that
    was deleted in 4D: pyERP's MoldProduct. Merged on `legacy_uuid`.
    Only rows without rejection reasons come in; an incremental build
    writes only new or changed rows (select_changed_rows). -#}
{{ config(unique_key='legacy_uuid') }}

with

validated as (

    select * from {{ ref('int_production_moldproduct_validated') }}
    where cardinality(rejection_reasons) = 0

),

changed as (

    {{ select_changed_rows('validated', 'legacy_uuid') }}

),

final as (

    select
        legacy_uuid,
        mold_legacy_uuid,
        parent_product_legacy_id,
        products_per_mold,
        weight_per_product,
        legacy_timestamp,
        content_hash,
        is_deleted,
        source_modified_at
    from changed

)

select * from final
