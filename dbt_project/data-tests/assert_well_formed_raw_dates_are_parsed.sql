-- A raw d!m!yyyy value whose day is 1-28, month 1-12 and year 1900-2099 is
-- always a real calendar date, so its staging column must not be NULL. A
-- failure here means parse_4d_date is broken, not that the data is bad:
-- impossible dates (31!2!2020) and 0!0!0 are legitimately NULL and excluded.
-- Every d!m!yyyy date attribute of the registry is checked against the
-- staging column it lands in.
{% set date_columns = [
    ('artikel_familie', 'Release_date',
        'stg_legacy_4d__product_families', 'release_date'),
    ('artikel_variante', 'Release_date',
        'stg_legacy_4d__product_variants', 'release_date_lower_d'),
    ('artikel_variante', 'Release_Date',
        'stg_legacy_4d__product_variants', 'release_date_upper_d'),
    ('artikel_variante', 'Auslaufdatum',
        'stg_legacy_4d__product_variants', 'discontinuation_date'),
    ('belege', 'Datum', 'stg_legacy_4d__sales_documents', 'document_date'),
    ('belege', 'ZahlungsDat',
        'stg_legacy_4d__sales_documents', 'payment_date'),
    ('belege_pos', 'Termin',
        'stg_legacy_4d__sales_document_lines', 'due_date'),
    ('personal', 'GebDatum', 'stg_legacy_4d__employees', 'birth_date'),
    ('personal', 'Eintrittsdatum', 'stg_legacy_4d__employees', 'hire_date'),
    ('personal', 'Austrittsdatum',
        'stg_legacy_4d__employees', 'termination_date'),
    ('werksauftraege', 'eingestellt',
        'stg_legacy_4d__production_orders', 'placed_date'),
    ('werksauftraege', 'Termin',
        'stg_legacy_4d__production_orders', 'planned_date'),
    ('werksauftr_pos', 'Datum_begin',
        'stg_legacy_4d__production_order_lines', 'start_date'),
    ('kunden', 'modified_date', 'stg_legacy_4d__customers', 'modified_date'),
    ('belege', 'modified_date',
        'stg_legacy_4d__sales_documents', 'modified_date'),
] %}

{% for raw_table, raw_column, model, model_column in date_columns %}
    select
        '{{ raw_table }}.{{ raw_column }}' as raw_attribute,
        raw_rows."__KEY" as legacy_key,
        raw_rows."{{ raw_column }}" as raw_value
    from {{ source('legacy_4d', raw_table) }} as raw_rows
    inner join {{ ref(model) }} as staged
        on raw_rows."__KEY" = staged.legacy_key
    where
        btrim(raw_rows."{{ raw_column }}")
        ~ '^(0?[1-9]|1[0-9]|2[0-8])!(0?[1-9]|1[0-2])!(19|20)[0-9]{2}$'
        and staged.{{ model_column }} is null
    {% if not loop.last %}union all{% endif %}
{% endfor %}
