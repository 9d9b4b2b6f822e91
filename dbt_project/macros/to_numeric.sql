{#- A legacy number sent as a JSON number or as text, as numeric. Surrounding
    blanks are ignored. Accepted spellings, tried in this order:
      plain / scientific   5000  5000.0  -24.5  +7  .5  1e-05
      US thousands commas  1,234.56  1,234  (groups of three after a
                           leading 1-999: 0,125 is not one)
      German decimal comma 24,5  0,125  1.234,56  (dots only in groups of three)
    Anything else (letters, currency signs, inner blanks, '', two decimal
    marks) -> NULL, never an error. NULL -> NULL. '1.234' is 1.234. The first
    branch is a cheap regex for the common case; exponents are bounded to
    three digits so the cast cannot overflow. -#}
{% macro to_numeric(expr) -%}
{%- set value -%}btrim({{ expr }}){%- endset -%}
(case
    when {{ value }} ~ '^-?[0-9]+(\.[0-9]+)?$'
        then {{ value }}::numeric
    when {{ value }}
        ~ '^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$'
        then {{ value }}::numeric
    when {{ value }} ~ '^[+-]?[1-9][0-9]{0,2}(,[0-9]{3})+(\.[0-9]*)?$'
        then replace({{ value }}, ',', '')::numeric
    when {{ value }} ~ '^[+-]?([1-9][0-9]{0,2}(\.[0-9]{3})+|[0-9]+),[0-9]*$'
        then replace(replace({{ value }}, '.', ''), ',', '.')::numeric
end)
{%- endmacro %}
