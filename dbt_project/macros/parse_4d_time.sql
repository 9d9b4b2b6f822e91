{#- A legacy time of day (4D Time: seconds since midnight, e.g. 36000 or
    36000.0) as time; 'HH:MM[:SS]' text is accepted too. Negative values,
    86400 and more, and anything unparseable -> NULL (never an error): the
    numeric cast only sees digits, and at most five before the point. -#}
{% macro parse_4d_time(expr) -%}
(case
    when btrim({{ expr }}) ~ '^[0-9]+(\.[0-9]*)?$'
        then (case
            when length(split_part(btrim({{ expr }}), '.', 1)) > 5 then null
            when btrim({{ expr }})::numeric < 86400
                then time '00:00'
                + btrim({{ expr }})::numeric * interval '1 second'
        end)
    when btrim({{ expr }})
        ~ '^([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$'
        then btrim({{ expr }})::time
end)
{%- endmacro %}
