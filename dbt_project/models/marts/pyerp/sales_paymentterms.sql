{{ config(unique_key=['days_due', 'discount_days', 'discount_percent']) }}

{#- pyERP's sales_paymentterms: the valid rows of
    int_sales_paymentterms_validated, merged on days_due, discount_days,
    discount_percent (macros/pyerp_mart.sql). Keys no source row derives any
    more are merged once more as deleted. -#}

{{ pyerp_mart('int_sales_paymentterms_validated', retire_vanished='active') }}
