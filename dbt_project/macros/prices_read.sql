{#- true when a Preise object (as extract_price reads it) could be read, NULL
    when not: its text is no JSON object (parse_json gives NULL), or a Laden
    or Handel entry has a Preis that to_numeric cannot read or a VE that
    to_integer cannot read. A missing entry, Preis or VE (or one that is JSON
    null or blank) is "no value", not unreadable. For unreadable_attributes,
    so a garbled price is not published as "no price". -#}
{% macro prices_read(preise_expr) -%}
(
    select
        case
            when not exists (
                select
                from jsonb_array_elements(
                    case
                        when jsonb_typeof(prices.preise -> 'Coll') = 'array'
                            then prices.preise -> 'Coll'
                        else '[]'::jsonb
                    end
                ) as entries (entry)
                where
                    entries.entry ->> 'Art' in ('Laden', 'Handel')
                    and (
                        (
                            btrim(entries.entry ->> 'Preis') <> ''
                            and {{ to_numeric("entries.entry ->> 'Preis'") }} is null
                        )
                        or (
                            btrim(entries.entry ->> 'VE') <> ''
                            and {{ to_integer("entries.entry ->> 'VE'") }} is null
                        )
                    )
            )
                then true
        end
    from (select {{ parse_json(preise_expr) }} as preise) as prices
    where prices.preise is not null
)
{%- endmacro %}
