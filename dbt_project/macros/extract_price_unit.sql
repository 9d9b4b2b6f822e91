{#- The packing unit (VE, pieces per price) of one price kind from a Preise
    object, as integer: the VE of the first Coll entry whose Art equals `art`,
    through to_integer. No such entry or an unparseable VE -> NULL. -#}
{% macro extract_price_unit(preise_expr, art) -%}
(
    select {{ to_integer('price_entry.unit') }}
    from (
        select {{ extract_price_entry(preise_expr, art) }} ->> 'VE' as unit
    ) as price_entry
)
{%- endmacro %}
