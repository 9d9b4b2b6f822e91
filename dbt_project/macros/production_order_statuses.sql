{#- The one definition of production_productionorder.status: the legacy
    Werksauftraege.Status code -> pyERP status (legacy-tables.md §2.9), and
    the status any other code gets. The intermediate model maps with it and
    the mart's accepted_values test reads its values. -#}
{% macro production_order_statuses() -%}
{{ return({
    'mapping': {
        'D': 'draft',
        'S': 'scheduled',
        'E': 'in_progress',
        'V': 'completed',
        'C': 'cancelled',
    },
    'default': 'draft',
}) }}
{%- endmacro %}
