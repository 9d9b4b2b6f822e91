{#- The whole body of every pyERP mart: the valid rows of its validated
    model (no rejection reason), the contract's columns in contract order
    (already cast to pyERP's types there), and their content hash. An
    incremental build writes only rows that are new or whose content changed
    (matched on the model's unique_key), so the merge touches only those.

    `retire_vanished`: for rows the sync derives (payment terms from
    documents, addresses from address blocks, …) a key can vanish without a
    4D deletion; such a row of an earlier build is merged once more with
    is_deleted = true, so publish deactivates or reports it; a column name
    instead of true also sets that active flag false, as publish will. -#}
{% macro pyerp_mart(validated_model, retire_vanished=false) -%}
    {%- set columns = pyerp_contract_columns(this.identifier) | rejectattr('name', 'equalto', 'content_hash') | list -%}
    {%- set key = config.get('unique_key') -%}
    {%- set keys = [key] if key is string else key -%}
    {%- set names = [] -%}
    {%- for column in columns -%}
        {%- do names.append(adapter.quote(column.name)) -%}
    {%- endfor %}

with

validated as (

    select * from {{ ref(validated_model) }}

),

valid_rows as (

    select {{ 'validated.' ~ names | join(', validated.') if names else 'validated.*' }}
    from validated
    where cardinality(validated.rejection_reasons) = 0
    {%- if retire_vanished and is_incremental() %}

    union all

    -- rows of earlier builds whose key no source row derives any more
    select
        {%- for name in names %}
        {%- if name == 'is_deleted' %}
        true as is_deleted
        {%- elif retire_vanished is string and name == adapter.quote(retire_vanished) %}
        false as {{ name }}
        {%- else %}
        existing.{{ name }}
        {%- endif %}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ this }} as existing
    where
        not existing.is_deleted
        and not exists (
            select null
            from validated
            where
                {%- for name in keys %}
                {{ "and " if not loop.first }}validated.{{ name }} = existing.{{ name }}
                {%- endfor %}
        )
    {%- endif %}

),

hashed as (

    select
        valid_rows.*,
        {{ pyerp_content_hash(this.identifier, 'valid_rows') }} as content_hash
    from valid_rows

)

select hashed.* from hashed
{%- if is_incremental() %}
    where not exists (
        select null
        from {{ this }} as existing
        where
            existing.content_hash = hashed.content_hash
            {%- for name in keys %}
            and existing.{{ name }} = hashed.{{ name }}
            {%- endfor %}
    )
{%- endif %}
{%- endmacro %}
