{#- Generic test: every non-NULL value of the column is a SKU in pyERP's
    format (macro is_valid_sku: letters, digits, dots and hyphens, starting
    with a letter or digit, at most 50 characters). Pair with not_null. -#}
{% test valid_sku(model, column_name) %}

select {{ column_name }} as invalid_sku
from {{ model }}
where
    {{ column_name }} is not null
    and not {{ is_valid_sku(column_name) }}

{% endtest %}
