{#- The Coll entry (jsonb) of one price kind, or NULL; shared by extract_price
    and extract_price_unit. -#}
{% macro extract_price_entry(preise_expr, art) -%}
jsonb_path_query_first(
    {{ parse_json(preise_expr) }},
    '$.Coll[*] ? (@.Art == $art)',
    jsonb_build_object('art', '{{ art }}')
)
{%- endmacro %}
