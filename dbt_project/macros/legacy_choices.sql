{#- The choices of one set of the seed sales_inventory_choices that 4D
    spells with a code: legacy_code and the pyERP value, named `value_name`.
    A model maps 4D's codes through them (by a join on legacy_code, or a
    match in the text); a choice without a legacy code is pyERP's alone. -#}
{% macro legacy_choices(choice_set, value_name) -%}
    select
        choices.legacy_code,
        choices.value as {{ value_name }}
    from {{ ref('sales_inventory_choices') }} as choices
    where
        choices.choice_set = '{{ choice_set }}'
        and choices.legacy_code is not null
{%- endmacro %}
