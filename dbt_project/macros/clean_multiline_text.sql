{#- Multi-line legacy text (Lief_Adr, Rech_Adr, notes): line breaks written as
    CR, CRLF, LF or as the literal two characters \r / \n (and \r\n) all become
    one LF (chr(10)); within each line, whitespace runs collapse to one space
    and the line is trimmed; blank lines at the start and end are dropped
    (inner blank lines are kept, so line positions stay meaningful). NULL and
    blank text become NULL. Plain replace() does the line breaks (cheaper than
    regexes); one regex collapses the blanks. -#}
{% macro clean_multiline_text(expr) -%}
{%- set line_breaks_as_lf -%}
replace(replace(replace(replace(replace(
    {{ expr }},
    chr(13) || chr(10), chr(10)), chr(13), chr(10)),
    '\r\n', chr(10)), '\r', chr(10)), '\n', chr(10))
{%- endset -%}
nullif(
    btrim(
        replace(
            replace(
                regexp_replace(
                    {{ line_breaks_as_lf }}, '[ \t\f\v\u00a0]+', ' ', 'g'
                ),
                ' ' || chr(10), chr(10)
            ),
            chr(10) || ' ', chr(10)
        ),
        ' ' || chr(10)
    ),
    ''
)
{%- endmacro %}
