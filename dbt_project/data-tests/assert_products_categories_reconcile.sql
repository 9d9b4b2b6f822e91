-- Reconciliation of products_productcategory: its validated model has one
-- row per ArtikelGruppe row plus one per ArtGr code seen on a product family
-- but missing from ArtikelGruppe, so source = valid + rejected. Fails with
-- one row showing the counts when they differ.
with

validated as (

    select count(*) as row_count
    from {{ ref('int_products_productcategory_validated') }}

),

groups as (

    select count(*) as row_count
    from {{ ref('stg_legacy_4d__product_groups') }}

),

derived_codes as (

    select count(distinct families.product_group_code) as row_count
    from {{ ref('stg_legacy_4d__product_families') }} as families
    where
        families.product_group_code is not null
        and families.product_group_code not in (
            select product_groups.product_group_code
            from {{ ref('stg_legacy_4d__product_groups') }} as product_groups
            where product_groups.product_group_code is not null
        )

)

select
    validated.row_count as validated_rows,
    groups.row_count as group_rows,
    derived_codes.row_count as derived_codes
from validated
cross join groups
cross join derived_codes
where validated.row_count <> groups.row_count + derived_codes.row_count
