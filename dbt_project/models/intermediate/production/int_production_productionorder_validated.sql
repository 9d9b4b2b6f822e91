{#- One row per Werksauftraege row (deleted ones included), mapped to the
    columns of pyERP's ProductionOrder (legacy-tables.md §2.9; the mart
    production_productionorder's contract) and checked; pyerp_validated then
    applies the Django field rules and casts to pyERP's types (the pattern:
    macros/pyerp_columns.sql). Status codes map through
    production_order_statuses() (unknown codes: draft, with the warning
    unmapped_status); eingestellt and Termin become midnight Europe/Berlin.
    Live rows are rejected for missing_order_number, unreadable_value
    (Form_Nr, Stückzahl, Prio, eingestellt or Termin was given but could not
    be read: publishing it as "no value" would bend the row; pyERP keeps its
    last good version), and duplicate_key when an earlier-created order
    (created date and time, then __KEY) that is otherwise valid or deleted
    already holds the number (pyERP: order_number is unique). An order whose
    Form_Nr names no valid, live mold is published with the warning
    missing_mold (form_number is plain text). Business key: the order
    number. -#}
{%- set statuses = production_order_statuses() %}
{%- set mold_parent = [
    ('production_mold', 'form_number', 'not is_mold_missing'),
] %}

with

production_orders as (

    select * from {{ ref('stg_legacy_4d__production_orders') }}

),

valid_molds as (

    {{ valid_live_rows(ref('int_production_mold_validated'), ['mold_number']) }}

),

mapped as (

    select
        production_orders.legacy_key,
        production_orders.production_order_number as order_number,
        production_orders.mold_number as form_number,
        production_orders.status_code,
        production_orders.legacy_uuid as legacy_id,
        production_orders.mold_legacy_key as legacy_form_id,
        production_orders.legacy_modified_at as source_modified_at,
        production_orders.unreadable_attributes,
        production_orders.created_date,
        production_orders.created_time,
        coalesce(production_orders.quantity, 0) as quantity,
        {{ map_legacy_code(
            'production_orders.status_code',
            statuses.mapping,
            statuses.default,
        ) }} as status,
        {{ is_unmapped_legacy_code(
            'production_orders.status_code', statuses.mapping,
        ) }} as is_status_unmapped,
        production_orders.mold_number is not null
        and valid_molds.mold_number is null as is_mold_missing,
        {{ to_berlin_midnight('production_orders.placed_date') }}
            as creation_date,
        {{ to_berlin_midnight('production_orders.planned_date') }}
            as planned_date,
        coalesce(production_orders.priority, 0) as priority,
        coalesce(production_orders.is_deleted, false) as is_deleted
    from production_orders
    left join valid_molds
        on production_orders.mold_number = valid_molds.mold_number

),

checked as (

    {{ reject_later_duplicates('mapped', 'order_number',
        errors={
            'missing_order_number': 'order_number is null',
            'unreadable_value': has_unreadable_value('mapped'),
        },
        warnings={
            'unmapped_status': 'is_status_unmapped',
            'missing_mold': 'is_mold_missing',
        }) }}

),

validated as (

    {{ pyerp_validated('checked', 'production_productionorder',
        business_key='checked.order_number',
        key='order_number',
        details={
            'missing_order_number': column_details('order_number'),
            'unmapped_status': column_details('status', value='status_code'),
            'missing_mold': orphan_parent_details(mold_parent),
        }) }}

)

select * from validated
