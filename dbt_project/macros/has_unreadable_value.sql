{#- The condition of the rejection reason 'unreadable_value': a live row that
    carries a value 4D sent but staging could not read (its
    unreadable_attributes column is not empty). A row deleted in 4D is not
    checked: it is only deactivated, never published again. -#}
{% macro has_unreadable_value(relation) -%}
(
    not {{ relation }}.is_deleted
    and {{ relation }}.unreadable_attributes <> ''
)
{%- endmacro %}
