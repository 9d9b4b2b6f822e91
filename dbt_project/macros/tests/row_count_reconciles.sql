{#- Generic test: a validated intermediate model has exactly one row per
    source row (or per derived natural key), so valid + rejected = source.
    Compares count(*) of the model with count(distinct source_key) of
    `source_model` (restricted by `source_where`); fails with one row showing
    both counts when they differ. -#}
{% test row_count_reconciles(model, source_model, source_key='legacy_key', source_where='true') %}

with

validated as (
    select count(*) as row_count from {{ model }}
),

source_rows as (
    select count(distinct {{ source_key }}) as row_count
    from {{ source_model }}
    where {{ source_where }}
)

select
    validated.row_count as validated_rows,
    source_rows.row_count as source_rows
from validated
cross join source_rows
where validated.row_count <> source_rows.row_count

{% endtest %}
