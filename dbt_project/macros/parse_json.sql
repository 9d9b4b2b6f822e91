{#- A 4D Object attribute landed as JSON text, as jsonb: an object or array,
    or a JSON string that itself holds an object or array (4D sometimes
    stores the object as text) is unwrapped once. NULL, '' and JSON scalars
    -> NULL. The extract side writes valid JSON, and the shape is checked
    first; PostgreSQL 15 has no non-raising JSON cast, so text that looks like
    a JSON object but is malformed inside would still raise. -#}
{% macro parse_json(expr) -%}
{%- set value -%}btrim({{ expr }}, E' \t\r\n'){%- endset -%}
(case
    when {{ value }} ~ '^(\{.*\}|\[.*\])$'
        then ({{ value }})::jsonb
    when {{ value }} ~ '^"\s*(\{.*\}|\[.*\])\s*"$'
        then (({{ value }})::jsonb #>> '{}')::jsonb
end)
{%- endmacro %}
