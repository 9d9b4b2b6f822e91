{#- One row per Form_Artikel row (deleted ones included), mapped to pyERP's
    MoldProduct (legacy-tables.md §2.10) and checked. Live rows are rejected
    for orphan_parent when FormNr names no valid, live mold or Art_Nr no
    valid, live parent product (by its legacy_base_sku; both are required in
    pyERP), and duplicate_key when another row (smaller __KEY: the table has
    no creation date) that is otherwise valid or deleted already links the
    same mold and parent product (pyERP: unique (mold, parent_product)).
    Live rows are also rejected for unreadable_value: FormNr, Anzahl or
    Gewichtung was given but could not be read (staging's
    unreadable_attributes); publishing it as "no value" would bend the row, so
    pyERP keeps its last good version. -#}
with

mold_products as (

    select * from {{ ref('stg_legacy_4d__mold_products') }}

),

molds as (

    select * from {{ ref('int_production_mold_validated') }}

),

parent_products_by_base_sku as (

    select * from {{ ref('int_parent_products_keyed_by_base_sku') }}

),

valid_molds as (

    select
        mold_number,
        legacy_uuid
    from molds
    where not is_deleted and cardinality(rejection_reasons) = 0

),

mapped as (

    select
        mold_products.legacy_key,
        mold_products.unreadable_attributes,
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

row_checked as (

    select
        *,
        array_remove(array[
            case
                when
                    mold_legacy_uuid is null
                    or parent_product_legacy_id is null
                    then 'orphan_parent'
            end,
            case
                when unreadable_attributes <> ''
                    then 'unreadable_value'
            end
        ], null) as row_errors
    from mapped

),

ranked as (

    select
        *,
        row_number() over (
            partition by
                mold_legacy_uuid,
                parent_product_legacy_id,
                (is_deleted or cardinality(row_errors) = 0)
            order by legacy_key
        ) as link_rank
    from row_checked

),

checked as (

    select
        *,
        '{}'::text[] as warning_reasons,
        case
            when is_deleted then '{}'::text[]
            when cardinality(row_errors) = 0 and link_rank > 1
                then array['duplicate_key']
            else row_errors
        end as rejection_reasons
    from ranked

),

typed as (

    select
        legacy_key,
        legacy_key::varchar(36) as legacy_uuid,
        mold_legacy_uuid::varchar(36) as mold_legacy_uuid,
        parent_product_legacy_id::varchar(50) as parent_product_legacy_id,
        products_per_mold::integer as products_per_mold,
        weight_per_product::numeric(10, 3) as weight_per_product,
        legacy_timestamp::timestamptz as legacy_timestamp,
        is_deleted,
        source_modified_at,
        rejection_reasons,
        warning_reasons
    from checked

),

validated as (

    select
        *,
        {{ content_hash([
            'legacy_uuid', 'mold_legacy_uuid', 'parent_product_legacy_id',
            'products_per_mold', 'weight_per_product', 'legacy_timestamp',
            'is_deleted', 'source_modified_at',
        ]) }} as content_hash,
        array_to_string(rejection_reasons, ',') as rejection_reasons_text,
        array_to_string(warning_reasons, ',') as warning_reasons_text
    from typed

)

select * from validated
