{#- on-run-start: the function legacy_staging.try_jsonb(text), the text as
    jsonb, or NULL when it is not valid JSON. PostgreSQL 15 has no non-raising
    JSON cast (IS JSON came with 16), and one malformed value in 4D must
    reject its row (unreadable_value), not fail the whole build. The schema is
    created first when missing, the way dbt does it: a least-privilege role
    may not run CREATE SCHEMA IF NOT EXISTS on a schema it already owns. -#}
{% macro create_try_jsonb() %}
{%- if execute and not adapter.check_schema_exists(target.database, 'legacy_staging') -%}
    {%- do adapter.create_schema(api.Relation.create(database=target.database, schema='legacy_staging')) -%}
{%- endif -%}
create or replace function legacy_staging.try_jsonb(value text) returns jsonb
language plpgsql immutable parallel safe as $body$
begin
    return value::jsonb;
exception when invalid_text_representation or untranslatable_character then
    return null;
end
$body$
{% endmacro %}
