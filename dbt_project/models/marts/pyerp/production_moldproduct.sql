{{ config(unique_key='legacy_uuid') }}

{#- pyERP's production_moldproduct: the valid rows of
    int_production_moldproduct_validated, merged on legacy_uuid
    (macros/pyerp_mart.sql). -#}

{{ pyerp_mart('int_production_moldproduct_validated') }}
