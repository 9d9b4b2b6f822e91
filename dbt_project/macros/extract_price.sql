{#- The price of one kind from a Preise object
    ({"Coll": [{"Art": "Laden", "Preis": 39.5, "VE": 1}, ...]}): the Preis of
    the first Coll entry whose Art equals `art` exactly ('Laden' retail,
    'Handel' wholesale, 'Empf.' recommended, 'Einkauf' cost), through
    to_numeric, rounded half-up (away from zero) to 2 decimals. No such entry,
    no Preise, or an unparseable Preis -> NULL. The entry is looked up once,
    in a scalar subquery, so to_numeric's checks do not repeat the lookup. -#}
{% macro extract_price(preise_expr, art) -%}
(
    select round({{ to_numeric('price_entry.price') }}, 2)
    from (
        select {{ extract_price_entry(preise_expr, art) }} ->> 'Preis' as price
    ) as price_entry
)
{%- endmacro %}
