{#- One row per Stamm_Lager_Schuetten row (soft-deleted ones included),
    mapped to pyERP's inventory_box, with the reasons it cannot be published
    (errors) or is published with a caveat (warnings). The box type is found
    by name among the valid, live box types (none: missing_box_type); the
    storage location by UUID_Stamm_Lagerorte (else Relation_93, else
    data_.Stamm_Lagerort = ID_Lagerort) among the valid, live locations.
    Live rows are also rejected for unreadable_value: max_Anzahl_Slots,
    Druckdatum or Druckzeit was given but could not be read (staging's
    unreadable_attributes); publishing it as "no value" would bend the row, so
    pyERP keeps its last good version. -#}
with

boxes as (

    select * from {{ ref('stg_legacy_4d__boxes') }}

),

box_types as (

    select * from {{ ref('int_inventory_boxtype_validated') }}

),

storage_locations as (

    select * from {{ ref('int_inventory_storagelocation_validated') }}

),

purposes as (

    select
        choices.legacy_code,
        choices.value as purpose
    from {{ ref('sales_inventory_choices') }} as choices
    where choices.choice_set = 'inventory_box_purpose'

),

valid_box_types as (

    select box_types.name
    from box_types
    where
        cardinality(box_types.rejection_reasons) = 0
        and not box_types.is_deleted

),

valid_storage_locations as (

    select
        storage_locations.legacy_key,
        storage_locations.legacy_id
    from storage_locations
    where
        cardinality(storage_locations.rejection_reasons) = 0
        and not storage_locations.is_deleted

),

mapped as (

    select  -- noqa: ST06
        ---- ids
        boxes.legacy_key,
        boxes.unreadable_attributes,
        boxes.legacy_id::text as legacy_id,
        valid_box_types.name as box_type_name,
        coalesce(
            locations_by_key.legacy_id, locations_by_number.legacy_id
        ) as storage_location_legacy_id,

        ---- strings
        coalesce(boxes.box_code, 'SC' || boxes.legacy_id) as code,
        coalesce(boxes.barcode, '') as barcode,
        'AVAILABLE' as status,
        coalesce(purposes.purpose, 'STORAGE') as purpose,
        coalesce(boxes.notes, '') as notes,
        boxes.box_type_name as legacy_box_type_name,

        ---- booleans
        true as is_synchronized,
        boxes.is_deleted,
        coalesce(
            boxes.storage_location_legacy_key,
            boxes.storage_location_relation_key,
            boxes.box_data ->> 'Stamm_Lagerort'
        ) is not null as has_storage_location,

        ---- timestamps
        boxes.legacy_modified_at as legacy_modified,
        boxes.legacy_modified_at as source_modified_at,

        ---- validation
        row_number() over (
            partition by boxes.legacy_id
            order by boxes.is_deleted asc, boxes.legacy_key asc
        ) as legacy_id_rank

    from boxes
    left join valid_box_types
        on boxes.box_type_name = valid_box_types.name
    left join purposes
        on lower(boxes.box_purpose) = purposes.legacy_code
    left join valid_storage_locations as locations_by_key
        on
            coalesce(
                boxes.storage_location_legacy_key,
                boxes.storage_location_relation_key
            )
            = locations_by_key.legacy_key
    left join valid_storage_locations as locations_by_number
        on
            {{ to_integer("boxes.box_data ->> 'Stamm_Lagerort'") }}::text
            = locations_by_number.legacy_id

),

validated as (

    select
        mapped.*,
        array_remove(array[
            case when mapped.legacy_id is null then 'missing_key' end,
            case
                when mapped.legacy_id is not null and mapped.legacy_id_rank > 1
                    then 'duplicate_key'
            end,
            case
                when not mapped.is_deleted and mapped.box_type_name is null
                    then 'missing_box_type'
            end,
            {{ unreadable_value_reason('mapped') }}
        ], null) as rejection_reasons,
        array_remove(array[
            case
                when
                    not mapped.is_deleted
                    and mapped.has_storage_location
                    and mapped.storage_location_legacy_id is null
                    then 'unknown_storage_location'
            end
        ], null) as warning_reasons
    from mapped

)

select * from validated
