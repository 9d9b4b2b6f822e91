{#- The validation step shared by models whose natural key must be unique
    among live rows: a row whose own checks passed but whose key an earlier
    created row already holds is rejected as duplicate_key (the later one,
    by created date and time, then __KEY). Reads a relation or CTE with
    row_errors (text[]), is_deleted, created_date, created_time and
    legacy_key; adds rejection_reasons and warning_reasons. Deleted rows get
    no reasons: they are only there to be deactivated. -#}
{% macro reject_later_duplicates(relation, key) -%}
    select
        ranked.*,
        '{}'::text[] as warning_reasons,
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
                    keyed.{{ key }},
                    (keyed.is_deleted or cardinality(keyed.row_errors) = 0)
                order by
                    keyed.created_date nulls last,
                    keyed.created_time nulls last,
                    keyed.legacy_key
            ) as key_rank
        from {{ relation }} as keyed
    ) as ranked
{%- endmacro %}
