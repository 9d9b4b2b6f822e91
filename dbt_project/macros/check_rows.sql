{#- The checks step of a validated model whose rows all compete for its key
    (duplicate_key_condition), or that has no key to keep unique: the body
    of its `checked` CTE. Every row of `relation` with rejection_reasons
    (`errors`) and warning_reasons (`warnings`): reason -> SQL condition
    over its columns, in the order given (reason_codes; '{}' when none
    holds). Deleted rows are checked too, unless a condition says
    otherwise. Models whose key only valid or deleted rows compete for use
    reject_later_duplicates instead. -#}
{% macro check_rows(relation, errors={}, warnings={}) -%}
    select
        {{ relation }}.*,
        {{ reason_codes(errors) }} as rejection_reasons,
        {{ reason_codes(warnings) }} as warning_reasons
    from {{ relation }}
{%- endmacro %}
