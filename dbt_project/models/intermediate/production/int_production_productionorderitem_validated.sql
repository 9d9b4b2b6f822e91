{#- One row per WerksauftrPos row (deleted ones included), mapped to the
    columns of pyERP's ProductionOrderItem (legacy-tables.md §2.9; the mart
    production_productionorderitem's contract) and checked; pyerp_validated
    then applies the Django field rules and casts to pyERP's types (the
    pattern: macros/pyerp_columns.sql). Status codes map through
    production_order_item_statuses() (unknown codes: pending, with the
    warning unmapped_status); Datum_begin becomes midnight Europe/Berlin.
    Live rows are rejected for orphan_parent when W_Auftr_Nr names no valid,
    live production order, or Art_Nr (when given) no valid, live parent
    product by its legacy_base_sku; for missing_item_number; and for
    duplicate_key when another row (smaller __KEY: the table has no creation
    date) that is otherwise valid or deleted already holds the same order and
    WAP_Nr (pyERP: unique (production_order, item_number)).
    Live rows are also rejected for unreadable_value: St_Soll, St_Haben,
    St_Rest, Anteil, Zeit, St_Std, Wert or Datum_begin was given but could not
    be read (staging's unreadable_attributes); publishing it as "no value"
    would bend the row, so pyERP keeps its last good version.
    Business key: order number / item number (W_Auftr_Nr/WAP_Nr). -#}
{%- set statuses = production_order_item_statuses() %}
{%- set parents = [
    ('production_productionorder', 'production_order_number', 'has_valid_order'),
    ('products_parentproduct', 'product_sku', 'has_valid_parent_product'),
] %}

with

production_order_lines as (

    select * from {{ ref('stg_legacy_4d__production_order_lines') }}

),

valid_production_orders as (

    {{ valid_live_rows(
        ref('int_production_productionorder_validated'), ['order_number'],
    ) }}

),

parent_products_by_base_sku as (

    select * from {{ ref('int_parent_products_keyed_by_base_sku') }}

),

mapped as (

    select
        production_order_lines.legacy_key,
        production_order_lines.unreadable_attributes,
        production_order_lines.production_order_number,
        parent_products_by_base_sku.parent_product_legacy_id,
        production_order_lines.operation_code as operation_type,
        production_order_lines.line_number as item_number,
        production_order_lines.status_code,
        production_order_lines.legacy_base_sku as product_sku,
        production_order_lines.legacy_uuid as legacy_id,
        production_order_lines.cost_center_legacy_key as legacy_kostenstelle_id,
        production_order_lines.mold_product_legacy_key
            as legacy_form_artikel_id,
        production_order_lines.legacy_modified_at as source_modified_at,
        valid_production_orders.order_number is not null as has_valid_order,
        production_order_lines.legacy_base_sku is null
        or parent_products_by_base_sku.parent_product_legacy_id is not null
            as has_valid_parent_product,
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
        {{ is_unmapped_legacy_code(
            'production_order_lines.status_code', statuses.mapping,
        ) }} as is_status_unmapped,
        coalesce(production_order_lines.product_share, 1.0) as product_share,
        coalesce(production_order_lines.estimated_time, 0) as estimated_time,
        coalesce(production_order_lines.standard_time, 0) as standard_time,
        coalesce(production_order_lines.line_value, 0) as value,  -- noqa: RF04
        coalesce(production_order_lines.is_deleted, false) as is_deleted
    from production_order_lines
    left join valid_production_orders
        on
            production_order_lines.production_order_number
            = valid_production_orders.order_number
    left join parent_products_by_base_sku
        on
            production_order_lines.legacy_base_sku
            = parent_products_by_base_sku.legacy_base_sku

),

checked as (

    {{ reject_later_duplicates('mapped',
        ['production_order_number', 'item_number'],
        by_created=false,
        errors={
            'orphan_parent': orphan_parent_condition(parents),
            'missing_item_number': 'item_number is null',
            'unreadable_value': has_unreadable_value('mapped'),
        },
        warnings={'unmapped_status': 'is_status_unmapped'}) }}

),

validated as (

    {{ pyerp_validated('checked', 'production_productionorderitem',
        business_key="concat_ws('/', checked.production_order_number, "
            ~ "checked.item_number)",
        key=['production_order_number', 'item_number'],
        details={
            'orphan_parent': orphan_parent_details(parents),
            'missing_item_number': column_details('item_number'),
            'unmapped_status': column_details('status', value='status_code'),
        }) }}

)

select * from validated
