{#- The related row's __KEY from a 4D deferred relation landed as JSON text
    ({"__deferred": {"uri": "/rest/X(KEY)", "__KEY": "KEY"}}), trimmed.
    NULL, '' or an object without __deferred.__KEY -> NULL. -#}
{% macro extract_deferred_key(expr) -%}
{{ clean_text(parse_json(expr) ~ " #>> '{__deferred,__KEY}'") }}
{%- endmacro %}
