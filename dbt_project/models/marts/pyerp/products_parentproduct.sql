{{ config(unique_key='legacy_id') }}

{#- pyERP's products_parentproduct: the valid rows of
    int_products_parentproduct_validated, merged on legacy_id
    (macros/pyerp_mart.sql). -#}

{{ pyerp_mart('int_products_parentproduct_validated') }}
