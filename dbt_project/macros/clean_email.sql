{#- A legacy e-mail address (legacy-tables.md §2.5): trimmed and lower-cased;
    NULL when blank (none given). Whether it is an address is not decided
    here: the EmailField rule of pyerp_validated (Django's EmailValidator)
    publishes a value it refuses empty, with the warning invalid_email and the
    value as 4D gave it in the details, so nothing is dropped silently. -#}
{% macro clean_email(expr) -%}
nullif(lower(btrim({{ expr }})), '')
{%- endmacro %}
