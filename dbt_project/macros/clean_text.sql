{#- Single-line legacy text: trimmed, every whitespace run (spaces, tabs, line
    breaks, no-break spaces) collapsed to one space. NULL, '' and blank text
    all become NULL, so "no value" has one spelling from staging on.
    'Obstkorb    rund  ' -> 'Obstkorb rund'. -#}
{% macro clean_text(expr) -%}
nullif(btrim(regexp_replace({{ expr }}, '[\s\u00a0]+', ' ', 'g')), '')
{%- endmacro %}
