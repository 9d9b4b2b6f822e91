{{ config(unique_key='legacy_id') }}

{#- pyERP's sales_salesrecord: the valid rows of
    int_sales_salesrecord_validated, merged on legacy_id
    (macros/pyerp_mart.sql). -#}

{{ pyerp_mart('int_sales_salesrecord_validated') }}
