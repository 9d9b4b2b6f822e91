{#- The change fingerprint of a mart row: md5 of the row's text form over the
    given columns, in the given order. Publish compares it with the hash it
    stored when it last wrote the row, so only changed rows are applied. -#}
{% macro content_hash(columns) -%}
    md5(row({{ columns | join(', ') }})::text)
{%- endmacro %}
