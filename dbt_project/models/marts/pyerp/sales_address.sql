{{ config(unique_key='legacy_id') }}

{#- pyERP's sales_address: the valid rows of int_sales_address_validated, merged
    on legacy_id (macros/pyerp_mart.sql). Keys no source row derives any
    more are merged once more as deleted. -#}

{{ pyerp_mart('int_sales_address_validated', retire_vanished=true) }}
