{#- A legacy identifier as text, never as a number: a primary key, a
    reference to another row or a business number rows are matched by (ID,
    ID_*, UUID_*, AbsNr, KundenNr, AdrNr, FormNr, Pers_Nr, refOld, ...). A 4D
    server may send any of them as a JSON number (17), as text, or as a
    32-character hex UUID (7464FEB39C516942B01E62F44B1ED454); all are kept as
    sent, trimmed of surrounding blanks (spaces, tabs, line breaks, no-break
    spaces), letter case and leading zeros included ('0042' stays '0042'), so
    a key that is present always matches the same key elsewhere and is never
    read as missing. NULL, '' and blank text -> NULL (the key is missing).
    One spelling is evened out: a whole number written with a zero fraction
    (4711.0, what a Real field or a JSON float gives for the key 4711) loses
    it, so it matches the 4711 a Longint field sends for the same row. -#}
{% macro clean_identifier(expr) -%}
{%- set value -%}btrim({{ expr }}, E' \t\n\r\u00a0'){%- endset -%}
(case
    when {{ value }} ~ '^-?[0-9]+\.0+$' then split_part({{ value }}, '.', 1)
    else nullif({{ value }}, '')
end)
{%- endmacro %}
