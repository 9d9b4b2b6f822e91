{#- text[] of the reason codes whose condition holds, in the order given
    (never NULL; '{}' when none holds): `conditions` maps each reason to a
    SQL condition. How every validated model writes its row checks. -#}
{% macro reason_codes(conditions) -%}
    {%- if not conditions -%}
        '{}'::text[]
    {%- else -%}
        array_remove(array[
            {%- for reason, condition in conditions.items() %}
            case when {{ condition }} then '{{ reason }}' end
            {{- "," if not loop.last }}
            {%- endfor %}
        ]::text[], null)
    {%- endif -%}
{%- endmacro %}
