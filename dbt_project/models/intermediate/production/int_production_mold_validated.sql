{#- One row per Formen row (deleted ones included), mapped to pyERP's Mold
    (legacy-tables.md §2.10: is_active = not Sperre) and checked. Live rows
    are rejected for missing_mold_number (FormNr is how mold products and
    orders find their mold), and duplicate_key when an earlier-created mold
    (created date and time, then __KEY) that is otherwise valid or deleted
    already holds the FormNr.
    Live rows are also rejected for unreadable_value: Sperre was given but
    could not be read (staging's unreadable_attributes); publishing it as "no
    value" would bend the row, so pyERP keeps its last good version. -#}
with

molds as (

    select * from {{ ref('stg_legacy_4d__molds') }}

),

mapped as (

    select
        legacy_key,
        unreadable_attributes,
        mold_number,
        legacy_modified_at as legacy_timestamp,
        legacy_modified_at as source_modified_at,
        created_date,
        created_time,
        coalesce(mold_number::text, '') as legacy_form_nr,
        coalesce(description, '') as description,
        coalesce(storage_location_code, '') as storage_location,
        not coalesce(is_blocked, false) as is_active,
        coalesce(notes, '') as notes,
        coalesce(is_deleted, false) as is_deleted
    from molds

),

row_checked as (

    select
        *,
        array_remove(array[
            case when mold_number is null then 'missing_mold_number' end,
            case
                when unreadable_attributes <> ''
                    then 'unreadable_value'
            end
        ], null) as row_errors
    from mapped

),

ranked as (

    select
        *,
        row_number() over (
            partition by
                mold_number, (is_deleted or cardinality(row_errors) = 0)
            order by
                created_date nulls last,
                created_time nulls last,
                legacy_key
        ) as mold_number_rank
    from row_checked

),

checked as (

    select
        *,
        '{}'::text[] as warning_reasons,
        case
            when is_deleted then '{}'::text[]
            when cardinality(row_errors) = 0 and mold_number_rank > 1
                then array['duplicate_key']
            else row_errors
        end as rejection_reasons
    from ranked

),

typed as (

    select
        legacy_key,
        mold_number,
        legacy_key::varchar(36) as legacy_uuid,
        legacy_form_nr::varchar(50) as legacy_form_nr,
        description::varchar(255) as description,
        storage_location::varchar(100) as storage_location,
        is_active,
        notes::text as notes,
        legacy_timestamp::timestamptz as legacy_timestamp,
        is_deleted,
        source_modified_at,
        rejection_reasons,
        warning_reasons
    from checked

),

validated as (

    select
        *,
        {{ content_hash([
            'legacy_uuid', 'legacy_form_nr', 'description',
            'storage_location', 'is_active', 'notes', 'legacy_timestamp',
            'is_deleted', 'source_modified_at',
        ]) }} as content_hash,
        array_to_string(rejection_reasons, ',') as rejection_reasons_text,
        array_to_string(warning_reasons, ',') as warning_reasons_text
    from typed

)

select * from validated
