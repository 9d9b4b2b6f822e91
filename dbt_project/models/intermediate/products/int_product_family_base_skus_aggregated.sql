{#- One row per product family that variants point to: the base SKU its
    variants carry (fk_ArtNr, else the part of alteNummer before its last
    '-'), which becomes the family's legacy_base_sku (legacy-tables.md §2.1:
    filled from the variants). Every variant row counts, deleted or rejected
    ones too, so the value does not flip when one variant goes away; when the
    variants disagree, the most frequent value wins, ties to the smallest. -#}
with

product_variants as (

    select * from {{ ref('stg_legacy_4d__product_variants') }}

),

variant_base_skus as (

    select
        product_family_legacy_key,
        coalesce(
            legacy_base_sku,
            nullif(regexp_replace(legacy_sku, '-[^-]*$', ''), legacy_sku)
        ) as legacy_base_sku
    from product_variants
    where product_family_legacy_key is not null

),

aggregated as (

    select
        product_family_legacy_key,
        mode() within group (order by legacy_base_sku) as legacy_base_sku,
        count(distinct legacy_base_sku) as distinct_base_skus
    from variant_base_skus
    where legacy_base_sku is not null
    group by product_family_legacy_key  -- noqa: AM06

)

select * from aggregated
