{#- One row per 4D production order position (`WerksauftrPos`) that passed
    validation, or that was deleted in 4D: pyERP's ProductionOrderItem.
    Merged on `legacy_key`.
    Only rows without rejection reasons come in; an incremental build
    writes only new or changed rows (select_changed_rows). -#}
{{ config(unique_key='legacy_key') }}

with

validated as (

    select * from {{ ref('int_production_productionorderitem_validated') }}
    where cardinality(rejection_reasons) = 0

),

changed as (

    {{ select_changed_rows('validated', 'legacy_key') }}

),

final as (

    select
        production_order_number,
        parent_product_legacy_id,
        operation_type,
        item_number,
        target_quantity,
        completed_quantity,
        remaining_quantity,
        start_date,
        status,
        product_sku,
        product_share,
        estimated_time,
        standard_time,
        value,
        legacy_id,
        legacy_key,
        legacy_kostenstelle_id,
        legacy_form_artikel_id,
        content_hash,
        is_deleted,
        source_modified_at
    from changed

)

select * from final
