{#- Generic test: every row satisfies a boolean SQL expression (dbt_utils'
    expression_is_true, which cannot be installed here). With column_name
    (the test sits under a column), the expression is appended to the column:
    `expression: "~ '^[A-Z]{2}$'"`. Rows where the expression is NULL pass,
    as in dbt_utils: pair it with not_null where NULL is wrong. -#}
{% test expression_is_true(model, expression, column_name=None) %}

select *
from {{ model }}
where not ({{ column_name ~ ' ' if column_name else '' }}{{ expression }})

{% endtest %}
