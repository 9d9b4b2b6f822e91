{#- The condition of orphan_parent: the row belongs to a parent row of
    another pyERP table (its family, its order, its mold, ...) that is no
    valid, live row there (see valid_live_rows), so pyERP could not link it;
    it is picked up again on a later build once the parent exists.
    `parents`: one (parent table, SQL of the key the row names the parent by,
    SQL that is true when the parent was found) per parent the row needs;
    orphan_parent_details takes the same list. -#}
{% macro orphan_parent_condition(parents) -%}
    (
        {%- for table, key, found in parents %}
        {{ "or " if not loop.first }}not coalesce({{ found }}, false)
        {%- endfor %}
    )
{%- endmacro %}
