{#- The one definition of production_productionorderitem.status: the legacy
    WerksauftrPos.Status code -> pyERP status (legacy-tables.md §2.9), and the
    status any other code gets. The intermediate model maps with it and the
    mart's accepted_values test reads its values. -#}
{% macro production_order_item_statuses() -%}
{{ return({
    'mapping': {
        'P': 'pending',
        'E': 'in_progress',
        'V': 'completed',
        'C': 'cancelled',
    },
    'default': 'pending',
}) }}
{%- endmacro %}
