{{ config(unique_key='legacy_id') }}

{#- pyERP's business_employee: the valid rows of
    int_business_employee_validated, merged on legacy_id
    (macros/pyerp_mart.sql). -#}

{{ pyerp_mart('int_business_employee_validated') }}
