{#- The details of a missing-parent reason (orphan_parent, or a warning such
    as missing_mold): {missing_parent: table, key: the key as 4D gave it} of
    the parent not found; an array of them when several are. `parents` as
    orphan_parent_condition's. -#}
{% macro orphan_parent_details(parents) -%}
    {%- set missing = [] -%}
    {%- for table, key, found in parents -%}
        {%- do missing.append(
            "case when not coalesce(" ~ found ~ ", false) then jsonb_build_object("
            ~ "'missing_parent', '" ~ table ~ "', 'key', to_jsonb((" ~ key ~ ")::text)) end"
        ) -%}
    {%- endfor -%}
    {%- if missing | length == 1 -%}
        {{ missing[0] }}
    {%- else -%}
        (
            select
                case
                    when count(*) = 1 then (array_agg(parent.missing))[1]
                    else jsonb_agg(parent.missing)
                end
            from (values ({{ missing | join('), (') }})) as parent (missing)
            where parent.missing is not null
        )
    {%- endif -%}
{%- endmacro %}
