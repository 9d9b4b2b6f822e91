{#- The rows pyERP derives from the sales records (payment terms, payment and
    shipping methods): one per distinct value of `columns` (output name ->
    column of int_sales_documents_mapped) among the records, deleted ones
    included, with the columns all three pyERP tables fill alike: no
    legacy_id (4D has no row of its own for it); is_deleted when every
    record using it is deleted in 4D, active while a live one uses it;
    is_synchronized; source_modified_at and legacy_modified the newest of
    those records' change times. -#}
{% macro derived_from_sales_documents(columns) -%}
    select
        {%- for name, column in columns.items() %}
        sales_documents.{{ column }} as {{ name }},
        {%- endfor %}
        null::text as legacy_id,
        bool_and(sales_documents.is_deleted) as is_deleted,
        not bool_and(sales_documents.is_deleted) as active,
        true as is_synchronized,
        max(sales_documents.legacy_modified_at) as source_modified_at,
        max(sales_documents.legacy_modified_at) as legacy_modified
    from {{ ref('int_sales_documents_mapped') }} as sales_documents
    group by {{ range(1, columns | length + 1) | join(', ') }}
{%- endmacro %}
