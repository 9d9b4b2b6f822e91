{#- One row per WerksauftrPos row (deleted ones included), mapped to pyERP's
    ProductionOrderItem (legacy-tables.md §2.9) and checked. Status codes map
    through production_order_item_statuses() (unknown codes: pending, with
    the warning unmapped_status); Datum_begin becomes midnight Europe/Berlin.
    Live rows are rejected for orphan_parent when W_Auftr_Nr names no valid,
    live production order, or Art_Nr (when given) no valid, live parent
    product by its legacy_base_sku; for missing_item_number; and for
    duplicate_key when another row (smaller __KEY: the table has no creation
    date) that is otherwise valid or deleted already holds the same order and
    WAP_Nr (pyERP: unique (production_order, item_number)).
    Live rows are also rejected for unreadable_value: St_Soll, St_Haben,
    St_Rest, Anteil, Zeit, St_Std, Wert or Datum_begin was given but could not
    be read (staging's unreadable_attributes); publishing it as "no value"
    would bend the row, so pyERP keeps its last good version. -#}
{%- set statuses = production_order_item_statuses() %}

with

production_order_lines as (

    select * from {{ ref('stg_legacy_4d__production_order_lines') }}

),

production_orders as (

    select * from {{ ref('int_production_productionorder_validated') }}

),

parent_products_by_base_sku as (

    select * from {{ ref('int_parent_products_keyed_by_base_sku') }}

),

valid_production_orders as (

    select order_number
    from production_orders
    where not is_deleted and cardinality(rejection_reasons) = 0

),

mapped as (

    select
        production_order_lines.legacy_key,
        production_order_lines.unreadable_attributes,
        production_order_lines.production_order_number::text
            as production_order_number,
        valid_production_orders.order_number is not null as has_valid_order,
        parent_products_by_base_sku.parent_product_legacy_id,
        production_order_lines.legacy_base_sku is null
        or parent_products_by_base_sku.parent_product_legacy_id is not null
            as has_valid_parent_product,
        coalesce(production_order_lines.operation_code, '') as operation_type,
        production_order_lines.line_number as item_number,
        coalesce(production_order_lines.target_quantity, 0) as target_quantity,
        coalesce(production_order_lines.completed_quantity, 0)
            as completed_quantity,
        coalesce(production_order_lines.remaining_quantity, 0)
            as remaining_quantity,
        {{ to_berlin_midnight('production_order_lines.start_date') }}
            as start_date,
        {{ map_legacy_code(
            'production_order_lines.status_code',
            statuses.mapping,
            statuses.default,
        ) }} as status,
        production_order_lines.status_code is null
        or production_order_lines.status_code not in (
            '{{ statuses.mapping.keys() | join("', '") }}'  -- noqa: LT05
        ) as is_status_unmapped,
        coalesce(production_order_lines.legacy_base_sku, '') as product_sku,
        coalesce(production_order_lines.product_share, 1.0) as product_share,
        coalesce(production_order_lines.estimated_time, 0) as estimated_time,
        coalesce(production_order_lines.standard_time, 0) as standard_time,
        coalesce(production_order_lines.line_value, 0) as item_value,
        coalesce(production_order_lines.legacy_uuid, '') as legacy_id,
        coalesce(production_order_lines.cost_center_legacy_key, '')
            as legacy_kostenstelle_id,
        coalesce(production_order_lines.mold_product_legacy_key, '')
            as legacy_form_artikel_id,
        coalesce(production_order_lines.is_deleted, false) as is_deleted,
        production_order_lines.legacy_modified_at as source_modified_at
    from production_order_lines
    left join valid_production_orders
        on
            production_order_lines.production_order_number::text
            = valid_production_orders.order_number
    left join parent_products_by_base_sku
        on
            production_order_lines.legacy_base_sku
            = parent_products_by_base_sku.legacy_base_sku

),

row_checked as (

    select
        *,
        array_remove(array[
            case
                when not has_valid_order or not has_valid_parent_product
                    then 'orphan_parent'
            end,
            case when item_number is null then 'missing_item_number' end,
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
                production_order_number,
                item_number,
                (is_deleted or cardinality(row_errors) = 0)
            order by legacy_key
        ) as item_rank
    from row_checked

),

checked as (

    select
        *,
        case
            when is_deleted then '{}'::text[]
            when cardinality(row_errors) = 0 and item_rank > 1
                then array['duplicate_key']
            else row_errors
        end as rejection_reasons,
        case
            when is_deleted then '{}'::text[]
            else array_remove(array[
                case when is_status_unmapped then 'unmapped_status' end
            ], null)
        end as warning_reasons
    from ranked

),

typed as (

    select
        legacy_key::varchar(100) as legacy_key,
        production_order_number::varchar(50) as production_order_number,
        parent_product_legacy_id::varchar(50) as parent_product_legacy_id,
        operation_type::varchar(10) as operation_type,
        item_number::integer as item_number,
        target_quantity::integer as target_quantity,
        completed_quantity::integer as completed_quantity,
        remaining_quantity::integer as remaining_quantity,
        start_date::timestamptz as start_date,
        status::varchar(20) as status,
        product_sku::varchar(50) as product_sku,
        product_share::double precision as product_share,
        estimated_time::integer as estimated_time,
        standard_time::double precision as standard_time,
        item_value::double precision as value,  -- noqa: RF04
        legacy_id::varchar(100) as legacy_id,
        legacy_kostenstelle_id::varchar(100) as legacy_kostenstelle_id,
        legacy_form_artikel_id::varchar(100) as legacy_form_artikel_id,
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
            'legacy_key', 'production_order_number',
            'parent_product_legacy_id', 'operation_type', 'item_number',
            'target_quantity', 'completed_quantity', 'remaining_quantity',
            'start_date', 'status', 'product_sku', 'product_share',
            'estimated_time', 'standard_time', 'value', 'legacy_id',
            'legacy_kostenstelle_id', 'legacy_form_artikel_id', 'is_deleted',
            'source_modified_at',
        ]) }} as content_hash,
        array_to_string(rejection_reasons, ',') as rejection_reasons_text,
        array_to_string(warning_reasons, ',') as warning_reasons_text
    from typed

)

select * from validated
