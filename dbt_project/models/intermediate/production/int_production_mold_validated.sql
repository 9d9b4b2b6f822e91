{#- One row per Formen row (deleted ones included), mapped to the columns of
    pyERP's Mold (legacy-tables.md §2.10: is_active = not Sperre; the mart
    production_mold's contract) and checked; pyerp_validated then applies the
    Django field rules and casts to pyERP's types (the pattern:
    macros/pyerp_columns.sql). Live rows are rejected for missing_mold_number
    (FormNr is how mold products and orders find their mold), and
    duplicate_key when an earlier-created mold (created date and time, then
    __KEY) that is otherwise valid or deleted already holds the FormNr.
    Live rows are also rejected for unreadable_value: Sperre was given but
    could not be read (staging's unreadable_attributes); publishing it as "no
    value" would bend the row, so pyERP keeps its last good version.
    Business key: the FormNr. -#}
with

molds as (

    select * from {{ ref('stg_legacy_4d__molds') }}

),

mapped as (

    select
        legacy_key,
        unreadable_attributes,
        mold_number,
        legacy_key as legacy_uuid,
        mold_number as legacy_form_nr,
        description,
        storage_location_code as storage_location,
        notes,
        legacy_modified_at as legacy_timestamp,
        legacy_modified_at as source_modified_at,
        created_date,
        created_time,
        not coalesce(is_blocked, false) as is_active,
        coalesce(is_deleted, false) as is_deleted
    from molds

),

checked as (

    {{ reject_later_duplicates('mapped', 'legacy_form_nr', errors={
        'missing_mold_number': 'legacy_form_nr is null',
        'unreadable_value': has_unreadable_value('mapped'),
    }) }}

),

validated as (

    {{ pyerp_validated('checked', 'production_mold',
        business_key='checked.mold_number',
        key='legacy_form_nr',
        keep=['mold_number'],
        details={
            'missing_mold_number': column_details('legacy_form_nr'),
        }) }}

)

select * from validated
