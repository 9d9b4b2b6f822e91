{#- The system columns every staging model ends with (its ---- system
    block), the same for every 4D table the extract lands: 4D's stamp and
    dlt's soft-delete marker, deletion time and load id (doc blocks
    stg_legacy_stamp, stg_is_deleted, stg_deleted_at, stg_dlt_load_id). -#}
{% macro legacy_4d_system_columns() -%}
"__STAMP" as legacy_stamp,
        _is_deleted as is_deleted,
        _deleted_at as deleted_at,
        _dlt_load_id as dlt_load_id
{%- endmacro %}
