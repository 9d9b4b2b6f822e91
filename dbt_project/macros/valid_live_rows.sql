{#- The rows of a validated model (an import CTE of it) that pyERP gets and
    keeps: published (no rejection reason) and live (not deleted in 4D). The
    rows another model's row may point to as its parent; one whose parent is
    not among them is an orphan (orphan_parent_condition). `columns`: the
    columns the reader joins on and takes. -#}
{% macro valid_live_rows(relation, columns) -%}
    select {{ columns | join(', ') }}
    from {{ relation }}
    where not is_deleted and cardinality(rejection_reasons) = 0
{%- endmacro %}
