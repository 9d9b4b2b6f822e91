{#- One row per base SKU (legacy_base_sku) of a valid, live parent product:
    the parent that production order items and mold products (Art_Nr) link
    to (legacy-tables.md §2.9-2.10: ParentProduct via legacy_base_sku). Should
    two parents share a base SKU, the one whose base SKU comes from its
    variants wins over one that fell back to its own Nummer, then the smaller
    legacy_id. -#}
with

parent_products as (

    select * from {{ ref('int_products_parentproduct_validated') }}

),

ranked as (

    select
        legacy_base_sku,
        legacy_id as parent_product_legacy_id,
        row_number() over (
            partition by legacy_base_sku
            order by has_base_sku_from_variants desc, legacy_id asc
        ) as base_sku_rank
    from parent_products
    where
        not is_deleted
        and cardinality(rejection_reasons) = 0
        and legacy_base_sku <> ''

),

keyed as (

    select
        legacy_base_sku,
        parent_product_legacy_id
    from ranked
    where base_sku_rank = 1

)

select * from keyed
