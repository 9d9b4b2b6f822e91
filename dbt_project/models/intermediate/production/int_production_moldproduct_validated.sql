{#- One row per Form_Artikel row (deleted ones included), mapped to the
    columns of pyERP's MoldProduct (legacy-tables.md §2.10; the mart
    production_moldproduct's contract) and checked; pyerp_validated then
    applies the Django field rules and casts to pyERP's types (the pattern:
    macros/pyerp_columns.sql). Live rows are rejected for orphan_parent when
    FormNr names no valid, live mold or Art_Nr no valid, live parent product
    (by its legacy_base_sku; both are required in pyERP), and duplicate_key
    when another row (smaller __KEY: the table has no creation date) that is
    otherwise valid or deleted already links the same mold and parent product
    (pyERP: unique (mold, parent_product)).
    Live rows are also rejected for unreadable_value: FormNr, Anzahl or
    Gewichtung was given but could not be read (staging's
    unreadable_attributes); publishing it as "no value" would bend the row, so
    pyERP keeps its last good version.
    Business key: FormNr / Art_Nr. -#}
{%- set parents = [
    ('production_mold', 'mold_number', 'mold_legacy_uuid is not null'),
    (
        'products_parentproduct',
        'legacy_base_sku',
        'parent_product_legacy_id is not null',
    ),
] %}

with

mold_products as (

    select * from {{ ref('stg_legacy_4d__mold_products') }}

),

valid_molds as (

    {{ valid_live_rows(
        ref('int_production_mold_validated'), ['mold_number', 'legacy_uuid'],
    ) }}

),

parent_products_by_base_sku as (

    select * from {{ ref('int_parent_products_keyed_by_base_sku') }}

),

mapped as (

    select
        mold_products.legacy_key,
        mold_products.unreadable_attributes,
        mold_products.mold_number,
        mold_products.legacy_base_sku,
        mold_products.legacy_key as legacy_uuid,
        valid_molds.legacy_uuid as mold_legacy_uuid,
        parent_products_by_base_sku.parent_product_legacy_id,
        mold_products.weight_per_product,
        mold_products.legacy_modified_at as legacy_timestamp,
        mold_products.legacy_modified_at as source_modified_at,
        coalesce(mold_products.products_per_mold, 1) as products_per_mold,
        coalesce(mold_products.is_deleted, false) as is_deleted
    from mold_products
    left join valid_molds
        on mold_products.mold_number = valid_molds.mold_number
    left join parent_products_by_base_sku
        on
            mold_products.legacy_base_sku
            = parent_products_by_base_sku.legacy_base_sku

),

checked as (

    {{ reject_later_duplicates('mapped',
        ['mold_legacy_uuid', 'parent_product_legacy_id'],
        by_created=false,
        errors={
            'orphan_parent': orphan_parent_condition(parents),
            'unreadable_value': has_unreadable_value('mapped'),
        }) }}

),

validated as (

    {{ pyerp_validated('checked', 'production_moldproduct',
        business_key="concat_ws('/', checked.mold_number, "
            ~ "checked.legacy_base_sku)",
        key=['mold_legacy_uuid', 'parent_product_legacy_id'],
        details={'orphan_parent': orphan_parent_details(parents)}) }}

)

select * from validated
