{#- The names of the 4D attributes whose value was given but could not be read,
    comma-separated ('' when every value was read). Takes a mapping of attribute
    name -> the staging expression that parses it; a value counts as given
    unless it is NULL, blank or 4D's empty date 0!0!0. Staging parses to NULL
    rather than raising; this keeps such a NULL from passing for "no value",
    so the validated model can reject the row (unreadable_value) instead of
    publishing it bent (a type change in 4D, garbage in a date field). -#}
{% macro unreadable_attributes(parsed_by_attribute) -%}
array_to_string(array_remove(array[
{%- for attribute, parsed in parsed_by_attribute.items() %}
    case
        when
            btrim("{{ attribute }}"::text) not in ('', '0!0!0')
            and ({{ parsed }}) is null
            then '{{ attribute }}'
    end{{ "," if not loop.last }}
{%- endfor %}
], null), ',')
{%- endmacro %}
