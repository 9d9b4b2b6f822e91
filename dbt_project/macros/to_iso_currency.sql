{#- A legacy currency as an ISO 4217 code, amounts untouched (legacy-tables.md
    decision 3: never relabelled). Case- and blank-insensitive:
    DM/DEM -> 'DEM'; EUR/EURO/€ -> 'EUR'; any other three letters -> upper
    case as is; NULL, '' and anything else -> NULL. -#}
{% macro to_iso_currency(expr) -%}
(case
    when upper(btrim({{ expr }})) in ('DM', 'DEM') then 'DEM'
    when upper(btrim({{ expr }})) in ('EUR', 'EURO', '€') then 'EUR'
    when upper(btrim({{ expr }})) ~ '^[A-Z]{3}$'
        then upper(btrim({{ expr }}))
end)
{%- endmacro %}
