{{ config(unique_key=['sales_record_legacy_id', 'position']) }}

{#- pyERP's sales_salesrecorditem: the valid rows of
    int_sales_salesrecorditem_validated, merged on sales_record_legacy_id,
    position (macros/pyerp_mart.sql). -#}

{{ pyerp_mart('int_sales_salesrecorditem_validated') }}
