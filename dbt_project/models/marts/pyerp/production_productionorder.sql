{#- One row per 4D production order (`Werksauftraege`) that passed validation,
    or that was deleted in 4D: pyERP's ProductionOrder. Merged on
    `legacy_key`.
    Only rows without rejection reasons come in; an incremental build
    writes only new or changed rows (select_changed_rows). -#}
{{ config(unique_key='legacy_key') }}

with

validated as (

    select * from {{ ref('int_production_productionorder_validated') }}
    where cardinality(rejection_reasons) = 0

),

changed as (

    {{ select_changed_rows('validated', 'legacy_key') }}

),

final as (

    select
        order_number,
        form_number,
        quantity,
        status,
        creation_date,
        planned_date,
        priority,
        legacy_id,
        legacy_key,
        legacy_form_id,
        content_hash,
        is_deleted,
        source_modified_at
    from changed

)

select * from final
