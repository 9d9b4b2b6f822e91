{#- Use a folder's +schema as the schema name itself (legacy_staging, legacy_marts), as contracts.md fixes
    them, instead of dbt's default "<profile schema>_<custom schema>". Without a custom schema, the profile's. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
