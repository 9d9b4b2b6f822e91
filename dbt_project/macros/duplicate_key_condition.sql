{#- duplicate_key for models that rank every row of a key (deleted and
    rejected ones too): the condition that another row with the same `key`
    comes first, live rows before deleted ones, then by `order_by` (default
    the 4D __KEY). `key`: a column or a list of columns that must be unique
    together; a row with a NULL part of its key is no duplicate, nor is a row
    with a NULL column of `given` (e.g. its own legacy_id: missing_key says
    that). `also`: further columns that must be unique together among the
    rows that have `key` (a place, a document number), ranked alike; a row
    that repeats either is a duplicate. A window function: use it in a
    select list (reason_codes) over the rows that compete for the key.
    Models that let only valid rows compete use reject_later_duplicates
    instead. -#}
{% macro duplicate_key_condition(
    key, order_by='legacy_key', given=[], also=none
) -%}
    {%- set keys = [key] if key is string else key -%}
    {%- set orders = [order_by] if order_by is string else order_by -%}
    (
        {%- for column in given + keys %}
        {{ column }} is not null and
        {%- endfor %}
        row_number() over (
            partition by {{ keys | join(', ') }}
            order by is_deleted asc, {{ orders | join(' asc, ') }} asc
        ) > 1
    )
    {%- if also %} or {{ duplicate_key_condition(also, order_by, given + keys) }}
    {%- endif %}
{%- endmacro %}
