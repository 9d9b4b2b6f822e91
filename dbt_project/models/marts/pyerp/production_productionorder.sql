{{ config(unique_key='legacy_key') }}

{#- pyERP's production_productionorder: the valid rows of
    int_production_productionorder_validated, merged on legacy_key
    (macros/pyerp_mart.sql). -#}

{{ pyerp_mart('int_production_productionorder_validated') }}
