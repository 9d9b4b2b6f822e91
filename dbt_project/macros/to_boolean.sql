{#- A legacy boolean in any spelling 4D sends: JSON true/false, numbers, or
    text. Case- and surrounding-whitespace-insensitive:
    true/t/yes/y/ja/j/1/1.0 -> true; false/f/no/n/nein/0/0.0/'' -> false;
    NULL -> NULL; anything else -> NULL (never an error). -#}
{% macro to_boolean(expr) -%}
(case
    when lower(btrim({{ expr }}, E' \t\r\n'))
        in ('true', 't', 'yes', 'y', 'ja', 'j', '1', '1.0')
        then true
    when lower(btrim({{ expr }}, E' \t\r\n'))
        in ('false', 'f', 'no', 'n', 'nein', '0', '0.0', '')
        then false
end)
{%- endmacro %}
