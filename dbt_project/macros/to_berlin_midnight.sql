{#- A legacy calendar date as the timestamptz pyERP stores for it: midnight
    Europe/Berlin, pyERP's TIME_ZONE (contracts.md, "Marts and publish").
    NULL -> NULL. -#}
{% macro to_berlin_midnight(date_expr) -%}
(({{ date_expr }})::timestamp at time zone 'Europe/Berlin')
{%- endmacro %}
