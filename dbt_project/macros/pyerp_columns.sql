{#- The one pattern every pyERP entity follows (see macros/_macros.yml):

      staging ──▶ int_<table>_validated ──▶ <table> (mart) ──▶ publish
                   map + business checks      valid rows, content hash,
                   + pyerp_validated():       incremental merge
                   Django field rules, casts  (pyerp_mart)

    The declaration both macros read is the mart's contract: its columns in
    order, their pyERP types (`data_type`), NOT NULL (`constraints`) and, on
    each pyERP column, the rule pyERP's Django field enforces
    (`meta.django`: field class, `required` when blank=False, `choices`).
    Columns without `meta.django` are the sync's own (natural keys of
    foreign keys, is_deleted, source_modified_at, content_hash). -#}


{#- The mart's contract columns, in order, as dicts: name, data_type,
    not_null, django (the meta.django mapping, or none). [] at parse time,
    when dbt has not read the yml yet (the SQL is not run then). -#}
{% macro pyerp_contract_columns(table) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ table) -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error('no mart named ' ~ table) }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for name, column in node.columns.items() -%}
        {%- if not column.data_type -%}
            {{ exceptions.raise_compiler_error(table ~ '.' ~ name ~ ' has no data_type in its contract') }}
        {%- endif -%}
        {%- do columns.append({
            'name': name,
            'data_type': modules.re.sub('\\s*([(),])\\s*', '\\1', column.data_type | trim | lower),
            'not_null': column.constraints | selectattr('type', 'equalto', 'not_null') | list | length > 0,
            'django': column.meta.get('django'),
        }) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{#- Change-tracking stamps: copied to pyERP, but a change in them alone is no
    change of the row (var pyerp_stamp_columns says why). -#}
{% macro pyerp_is_content_column(name) -%}
    {{ return(name not in var('pyerp_stamp_columns') and name != 'content_hash') }}
{%- endmacro %}


{#- md5 of a mart row's content columns (every contract column but the stamps
    and content_hash itself), in contract order. Publish stores it with what
    it wrote, so a row is applied again only when its content changed. -#}
{% macro pyerp_content_hash(table, alias) -%}
    {%- set content = [] -%}
    {%- for column in pyerp_contract_columns(table) if pyerp_is_content_column(column.name) -%}
        {%- do content.append(alias ~ '.' ~ adapter.quote(column.name)) -%}
    {%- endfor -%}
    md5(row({{ content | join(', ') if content else 'null' }})::text)
{%- endmacro %}
