{{ config(unique_key=['name', 'code']) }}

{#- pyERP's sales_paymentmethod: the valid rows of
    int_sales_paymentmethod_validated, merged on name, code
    (macros/pyerp_mart.sql). Keys no source row derives any more are merged
    once more as deleted. -#}

{{ pyerp_mart('int_sales_paymentmethod_validated', retire_vanished='active') }}
