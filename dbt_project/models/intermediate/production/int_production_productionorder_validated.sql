{#- One row per Werksauftraege row (deleted ones included), mapped to pyERP's
    ProductionOrder (legacy-tables.md §2.9) and checked. Status codes map
    through production_order_statuses() (unknown codes: draft, with the
    warning unmapped_status); eingestellt and Termin become midnight
    Europe/Berlin. Live rows are rejected for missing_order_number,
    unreadable_value (Form_Nr, Stückzahl, Prio, eingestellt or Termin was
    given but could not be read: publishing it as "no value" would bend the
    row; pyERP keeps its last good version), and
    duplicate_key when an earlier-created order (created date and time, then
    __KEY) that is otherwise valid or deleted already holds the number (pyERP:
    order_number is unique). An order whose Form_Nr names no valid, live mold
    is published with the warning missing_mold (form_number is plain text). -#}
{%- set statuses = production_order_statuses() %}

with

production_orders as (

    select * from {{ ref('stg_legacy_4d__production_orders') }}

),

molds as (

    select * from {{ ref('int_production_mold_validated') }}

),

valid_molds as (

    select mold_number
    from molds
    where not is_deleted and cardinality(rejection_reasons) = 0

),

mapped as (

    select
        production_orders.legacy_key,
        production_orders.production_order_number::text as order_number,
        coalesce(production_orders.mold_number::text, '') as form_number,
        coalesce(production_orders.quantity, 0) as quantity,
        {{ map_legacy_code(
            'production_orders.status_code',
            statuses.mapping,
            statuses.default,
        ) }} as status,
        production_orders.status_code is null
        or production_orders.status_code not in (
            '{{ statuses.mapping.keys() | join("', '") }}'  -- noqa: LT05
        ) as is_status_unmapped,
        production_orders.mold_number is not null
        and valid_molds.mold_number is null as is_mold_missing,
        {{ to_berlin_midnight('production_orders.placed_date') }}
            as creation_date,
        {{ to_berlin_midnight('production_orders.planned_date') }}
            as planned_date,
        coalesce(production_orders.priority, 0) as priority,
        coalesce(production_orders.legacy_uuid, '') as legacy_id,
        coalesce(production_orders.mold_legacy_key, '') as legacy_form_id,
        coalesce(production_orders.is_deleted, false) as is_deleted,
        production_orders.legacy_modified_at as source_modified_at,
        production_orders.unreadable_attributes,
        production_orders.created_date,
        production_orders.created_time
    from production_orders
    left join valid_molds
        on production_orders.mold_number = valid_molds.mold_number

),

row_checked as (

    select
        *,
        array_remove(array[
            case when order_number is null then 'missing_order_number' end,
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
                order_number, (is_deleted or cardinality(row_errors) = 0)
            order by
                created_date nulls last,
                created_time nulls last,
                legacy_key
        ) as order_number_rank
    from row_checked

),

checked as (

    select
        *,
        case
            when is_deleted then '{}'::text[]
            when cardinality(row_errors) = 0 and order_number_rank > 1
                then array['duplicate_key']
            else row_errors
        end as rejection_reasons,
        case
            when is_deleted then '{}'::text[]
            else array_remove(array[
                case when is_status_unmapped then 'unmapped_status' end,
                case when is_mold_missing then 'missing_mold' end
            ], null)
        end as warning_reasons
    from ranked

),

typed as (

    select
        legacy_key::varchar(100) as legacy_key,
        order_number::varchar(50) as order_number,
        form_number::varchar(50) as form_number,
        quantity::integer as quantity,
        status::varchar(20) as status,
        creation_date::timestamptz as creation_date,
        planned_date::timestamptz as planned_date,
        priority::integer as priority,
        legacy_id::varchar(100) as legacy_id,
        legacy_form_id::varchar(100) as legacy_form_id,
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
            'order_number', 'form_number', 'quantity', 'status',
            'creation_date', 'planned_date', 'priority', 'legacy_id',
            'legacy_key', 'legacy_form_id', 'is_deleted',
            'source_modified_at',
        ]) }} as content_hash,
        array_to_string(rejection_reasons, ',') as rejection_reasons_text,
        array_to_string(warning_reasons, ',') as warning_reasons_text
    from typed

)

select * from validated
