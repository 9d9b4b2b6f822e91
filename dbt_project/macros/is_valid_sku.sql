{#- Whether a SKU has pyERP's format (core.validators.SkuValidator,
    legacy-tables.md §2.1): a letter or digit, then letters, digits, dots and
    hyphens, 1 to 50 characters. NULL -> false. The validation models and the
    valid_sku generic test both use this one definition. -#}
{% macro is_valid_sku(expr) -%}
coalesce(
    {{ expr }} ~ '^[A-Za-z0-9][A-Za-z0-9.-]*$'
    and char_length({{ expr }}) <= 50,
    false
)
{%- endmacro %}
