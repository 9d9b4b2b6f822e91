{#- A legacy country (legacy-tables.md §2.5) as an ISO 3166 alpha-2 code,
    case- and blank-insensitive:
      DE  <- DE, D, DEU, GER, DEUTSCHLAND, GERMANY
      AT  <- AT, A, AUT, AUSTRIA, ÖSTERREICH, OESTERREICH
      CH  <- CH, CHE, SWITZERLAND, SCHWEIZ
      NL  <- NL, NLD, NIEDERLANDE, NETHERLANDS
      any other two letters -> upper-cased as is
    NULL or blank -> NULL (no country given); anything else -> '' (a value was
    given but is not a country we know). D, A and the NL spellings extend the
    §2.5 list: they occur in the data and are unambiguous. -#}
{% macro normalize_country_code(expr) -%}
(case
    when nullif(btrim({{ expr }}), '') is null then null
    when upper(btrim({{ expr }}))
        in ('DE', 'D', 'DEU', 'GER', 'DEUTSCHLAND', 'GERMANY')
        then 'DE'
    when upper(btrim({{ expr }}))
        in ('AT', 'A', 'AUT', 'AUSTRIA', 'ÖSTERREICH', 'OESTERREICH')
        or lower(btrim({{ expr }})) = 'österreich'
        then 'AT'
    when upper(btrim({{ expr }}))
        in ('CH', 'CHE', 'SWITZERLAND', 'SCHWEIZ')
        then 'CH'
    when upper(btrim({{ expr }}))
        in ('NL', 'NLD', 'NIEDERLANDE', 'NETHERLANDS')
        then 'NL'
    when btrim({{ expr }}) ~ '^[A-Za-z]{2}$'
        then upper(btrim({{ expr }}))
    else ''
end)
{%- endmacro %}
