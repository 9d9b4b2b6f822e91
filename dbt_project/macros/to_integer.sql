{#- A legacy whole number (4D Longint / Word) as integer. Surrounding blanks
    are ignored; accepted: 42, -42, +42, 42.0 (a JSON float), 1,234 (US
    thousands commas); the value must fit a 32-bit integer. A fraction
    (42.5: bad data in a whole-number field, not something to round), too
    large a value and anything else -> NULL, never an error. The shape is
    checked with cheap unbounded regexes; the range by length first, then by
    value, in CASE order (so the bigint cast only sees up to 11 characters). -#}
{% macro to_integer(expr) -%}
{%- set value -%}btrim({{ expr }}){%- endset -%}
{%- set whole -%}replace(split_part({{ value }}, '.', 1), ',', ''){%- endset -%}
(case
    when {{ value }} ~ '^[+-]?[0-9]+(\.0*)?$'
        or {{ value }} ~ '^[+-]?[1-9][0-9]?[0-9]?(,[0-9][0-9][0-9])+(\.0*)?$'
        then (case
            when length({{ whole }}) > 11 then null
            when {{ whole }}::bigint between -2147483648 and 2147483647
                then {{ whole }}::integer
        end)
end)
{%- endmacro %}
