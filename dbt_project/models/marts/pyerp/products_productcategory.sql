{#- One row per product category: every 4D `ArtikelGruppe` row, plus every
    `ArtGr` code seen on a product family but missing from ArtikelGruppe
    (name = code). Merged on `code`.
    Only rows without rejection reasons come in; an incremental build
    writes only new or changed rows (select_changed_rows). -#}
{{ config(unique_key='code') }}

with

validated as (

    select * from {{ ref('int_products_productcategory_validated') }}
    where cardinality(rejection_reasons) = 0

),

changed as (

    {{ select_changed_rows('validated', 'code') }}

),

final as (

    select
        code,
        name,
        description,
        parent_code,
        content_hash,
        is_deleted,
        source_modified_at
    from changed

)

select * from final
