{{ config(unique_key='code') }}

{#- pyERP's products_productcategory: the valid rows of
    int_products_productcategory_validated, merged on code
    (macros/pyerp_mart.sql). -#}

{{ pyerp_mart('int_products_productcategory_validated') }}
