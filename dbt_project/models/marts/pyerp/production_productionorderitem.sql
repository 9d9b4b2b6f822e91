{{ config(unique_key='legacy_key') }}

{#- pyERP's production_productionorderitem: the valid rows of
    int_production_productionorderitem_validated, merged on legacy_key
    (macros/pyerp_mart.sql). -#}

{{ pyerp_mart('int_production_productionorderitem_validated') }}
