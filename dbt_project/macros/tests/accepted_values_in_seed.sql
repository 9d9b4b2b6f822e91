{#- Generic test: accepted_values whose list lives in the seed
    sales_inventory_choices (STYLE §4.6: each enum's values are written once).
    Fails for every non-NULL value of the column that is not a `value` of the
    given choice_set. -#}
{% test accepted_values_in_seed(model, column_name, choice_set) %}

select {{ column_name }} as unexpected_value
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }} not in (
        select choices.value
        from {{ ref('sales_inventory_choices') }} as choices
        where choices.choice_set = '{{ choice_set }}'
    )

{% endtest %}
