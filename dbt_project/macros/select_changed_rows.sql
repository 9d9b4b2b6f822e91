{#- The rows of `relation` (a CTE) an incremental merge mart must write: all
    of them on a full build; on an incremental build only those that are new
    to {{ this }} or whose content_hash differs from the stored row's, matched
    on `key` (the mart's unique_key), so a merge touches only changed rows. -#}
{% macro select_changed_rows(relation, key) -%}
select {{ relation }}.*
from {{ relation }}
{%- if is_incremental() %}
left join {{ this }} as existing
    on {{ relation }}.{{ key }} = existing.{{ key }}
where
    existing.{{ key }} is null
    or existing.content_hash <> {{ relation }}.content_hash
{%- endif %}
{%- endmacro %}
