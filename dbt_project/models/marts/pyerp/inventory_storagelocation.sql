{{ config(unique_key='legacy_id') }}

{#- pyERP's inventory_storagelocation: the valid rows of
    int_inventory_storagelocation_validated, merged on legacy_id
    (macros/pyerp_mart.sql). -#}

{{ pyerp_mart('int_inventory_storagelocation_validated') }}
