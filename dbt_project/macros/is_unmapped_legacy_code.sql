{#- Whether map_legacy_code gives a legacy code the default because the
    mapping does not know it (or it is NULL): the condition of the warning
    unmapped_status. -#}
{% macro is_unmapped_legacy_code(expr, mapping) -%}
({{ expr }} is null or {{ expr }} not in (
    {%- for code in mapping %}'{{ code }}'{{ ", " if not loop.last }}{% endfor -%}
))
{%- endmacro %}
