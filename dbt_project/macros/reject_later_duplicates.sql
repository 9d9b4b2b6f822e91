{#- The checks step shared by models whose natural key must be unique among
    live rows (the body of their `checked` CTE): a row whose own checks
    passed but whose key an earlier row already holds is rejected as
    duplicate_key (the later one: by created date and time, then __KEY; by
    __KEY alone when `by_created` is false, for tables without a creation
    date). Only rows that passed their own checks (or are deleted) compete
    for a key, so a rejected row never takes it from a valid one. Adds
    rejection_reasons and warning_reasons; deleted rows get no reasons: they
    are only there to be deactivated.

    `key`: the column, or list of columns, that must be unique together.
    `errors` / `warnings`: the row's own checks, reason -> SQL condition over
    `relation`'s columns (reason_codes); without `errors`, `relation` must
    carry them as a text[] column row_errors. Reads is_deleted, legacy_key and
    (when `by_created`) created_date and created_time. Models whose rows all
    compete for their key (duplicate_key_condition) use check_rows. -#}
{% macro reject_later_duplicates(
    relation, key, errors=none, warnings={}, by_created=true
) -%}
    {%- set keys = [key] if key is string else key %}
    select
        ranked.*,
        case
            when ranked.is_deleted then '{}'::text[]
            else {{ reason_codes(warnings) }}
        end as warning_reasons,
        case
            when ranked.is_deleted then '{}'::text[]
            when cardinality(ranked.row_errors) = 0 and ranked.key_rank > 1
                then array['duplicate_key']
            else ranked.row_errors
        end as rejection_reasons
    from (
        select
            keyed.*,
            row_number() over (
                partition by
                    {%- for column in keys %}
                    keyed.{{ column }},
                    {%- endfor %}
                    (keyed.is_deleted or cardinality(keyed.row_errors) = 0)
                order by
                    {%- if by_created %}
                    keyed.created_date nulls last,
                    keyed.created_time nulls last,
                    {%- endif %}
                    keyed.legacy_key
            ) as key_rank
        from (
            {%- if errors is none %}
            select * from {{ relation }}
            {%- else %}
            select
                *,
                {{ reason_codes(errors) }} as row_errors
            from {{ relation }}
            {%- endif %}
        ) as keyed
    ) as ranked
{%- endmacro %}

