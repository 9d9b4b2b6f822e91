{#- Generic test: no two rows share the same values in all the given columns
    (a composite business key such as a sales line's document and position).
    Rows with a NULL in any of the columns are not compared. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(', ') }},
    count(*) as duplicate_rows
from {{ model }}
where {{ combination_of_columns | join(' is not null and ') }} is not null
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}
