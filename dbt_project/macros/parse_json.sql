{#- A 4D Object attribute landed as JSON text, as jsonb: an object or array,
    or a JSON string that itself holds an object or array (4D sometimes
    stores the object as text) is unwrapped once. NULL, '' and JSON scalars
    -> NULL, and so does malformed JSON (legacy_staging.try_jsonb, created
    on-run-start), which unreadable_attributes then names. -#}
{% macro parse_json(expr) -%}
{%- set value -%}btrim({{ expr }}, E' \t\r\n'){%- endset -%}
(case
    when {{ value }} ~ '^(\{.*\}|\[.*\])$'
        then legacy_staging.try_jsonb({{ value }})
    when {{ value }} ~ '^"\s*(\{.*\}|\[.*\])\s*"$'
        then legacy_staging.try_jsonb(legacy_staging.try_jsonb({{ value }}) #>> '{}')
end)
{%- endmacro %}
