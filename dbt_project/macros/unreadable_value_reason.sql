{#- The rejection reason 'unreadable_value' for a live row that carries a value
    4D sent but staging could not read (its unreadable_attributes column is not
    empty); NULL otherwise. A row deleted in 4D is not checked: it is only
    deactivated, never published again. -#}
{% macro unreadable_value_reason(relation) -%}
case
    when
        not {{ relation }}.is_deleted
        and {{ relation }}.unreadable_attributes <> ''
        then 'unreadable_value'
end
{%- endmacro %}
