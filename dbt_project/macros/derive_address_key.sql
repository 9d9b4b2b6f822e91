{#- The deterministic legacy_id of an address built from a sales record's
    Lief_Adr / Rech_Adr block (legacy-tables.md decision 5): the prefix
    ('shipping' or 'billing'), an underscore and the md5 of the owning
    customer's number and the block text as staging normalised it (one LF
    between lines, blanks collapsed). The same block of the same customer
    always gets the same key, so reruns never duplicate it; 41 characters,
    within pyERP's varchar(50). NULL text or customer -> NULL. -#}
{% macro derive_address_key(prefix, customer_number, address_text) -%}
('{{ prefix }}_' || md5(({{ customer_number }})::text || chr(10) || {{ address_text }}))
{%- endmacro %}
