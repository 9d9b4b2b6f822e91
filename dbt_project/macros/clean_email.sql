{#- A legacy e-mail address (legacy-tables.md §2.5): trimmed and lower-cased,
    kept when it is one "local@domain.tld" (one @, no blanks, a dot after the
    @ with text on both sides). NULL or blank -> NULL (none given); anything
    else -> '' (given but not an address). -#}
{% macro clean_email(expr) -%}
(case
    when nullif(btrim({{ expr }}), '') is null then null
    when lower(btrim({{ expr }})) ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'
        then lower(btrim({{ expr }}))
    else ''
end)
{%- endmacro %}
