{#- A CASE expression mapping a legacy code to a pyERP value through a dict
    (legacy code -> value), as the production status maps do; codes not in the
    dict (and NULL) become `default`. Values and default are SQL literals. -#}
{% macro map_legacy_code(expr, mapping, default) -%}
(case {{ expr }}
    {%- for code, value in mapping.items() %}
    when '{{ code }}' then '{{ value }}'
    {%- endfor %}
    else '{{ default }}'
end)
{%- endmacro %}
