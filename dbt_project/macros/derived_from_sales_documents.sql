{#- The rows pyERP derives from the sales records (payment terms, payment and
    shipping methods): one per distinct value of `columns` (output name ->
    column of int_sales_documents_mapped) among the records, deleted ones
    included. is_deleted when every record using it is deleted in 4D;
    source_modified_at is the newest of those records' change times. -#}
{% macro derived_from_sales_documents(columns) -%}
    select
        {%- for name, column in columns.items() %}
        sales_documents.{{ column }} as {{ name }},
        {%- endfor %}
        bool_and(sales_documents.is_deleted) as is_deleted,
        max(sales_documents.legacy_modified_at) as source_modified_at
    from {{ ref('int_sales_documents_mapped') }} as sales_documents
    group by {{ range(1, columns | length + 1) | join(', ') }}
{%- endmacro %}
