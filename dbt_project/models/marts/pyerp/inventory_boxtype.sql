{{ config(unique_key='name') }}

{#- pyERP's inventory_boxtype: the valid rows of
    int_inventory_boxtype_validated, merged on name (macros/pyerp_mart.sql).
    Keys no source row derives any more are merged once more as deleted. -#}

{{ pyerp_mart('int_inventory_boxtype_validated', retire_vanished=true) }}
