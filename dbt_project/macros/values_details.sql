{#- Details of a reason about several columns of the row together: each
    column's name and value, and (when given) the rule they broke, e.g.
    {"days_due": -1, "discount_days": 0, "discount_percent": 2, "rule": "..."}.
    The several-column sibling of column_details. -#}
{% macro values_details(columns, rule=none) -%}
jsonb_build_object(
    {%- for column in columns %}
    '{{ column }}', to_jsonb({{ column }}){{ "," if not loop.last or rule }}
    {%- endfor %}
    {%- if rule %}
    'rule', '{{ rule }}'
    {%- endif %}
)
{%- endmacro %}
