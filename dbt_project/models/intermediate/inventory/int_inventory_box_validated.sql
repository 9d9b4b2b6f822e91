{#- One row per Stamm_Lager_Schuetten row (soft-deleted ones included),
    mapped to pyERP's inventory_box, with the reasons it cannot be published
    (errors) or is published with a caveat (warnings). The box type is found
    by name among the valid, live box types (none: missing_box_type); the
    storage location by UUID_Stamm_Lagerorte (else Relation_93, else
    data_.Stamm_Lagerort = ID_Lagerort) among the valid, live locations (one
    named but not found: warning unknown_storage_location, published without).
    Also rejected: no ID (missing_key); an ID an earlier row already holds
    (live rows first, then by __KEY: duplicate_key); and, for live rows,
    unreadable_value: max_Anzahl_Slots, Druckdatum or Druckzeit was given but
    could not be read (staging's unreadable_attributes); publishing it as "no
    value" would bend the row, so pyERP keeps its last good version. The
    Django field rules and the casts are pyerp_validated's
    (macros/pyerp_validated.sql). -#}
{%- set box_type = [
    ('inventory_boxtype', 'legacy_box_type_name', 'box_type_name is not null'),
] %}
{%- set storage_location = [(
    'inventory_storagelocation', 'named_storage_location',
    'storage_location_legacy_id is not null',
)] %}

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

    {{ legacy_choices('inventory_box_purpose', 'purpose') }}

),

valid_box_types as (

    {{ valid_live_rows('box_types', ['name']) }}

),

valid_storage_locations as (

    {{ valid_live_rows('storage_locations', ['legacy_key', 'legacy_id']) }}

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
        boxes.barcode,
        'AVAILABLE' as status,
        coalesce(purposes.purpose, 'STORAGE') as purpose,
        boxes.notes,
        boxes.box_type_name as legacy_box_type_name,

        ---- booleans
        true as is_synchronized,
        boxes.is_deleted,
        coalesce(
            boxes.storage_location_legacy_key,
            boxes.storage_location_relation_key,
            boxes.box_data ->> 'Stamm_Lagerort'
        ) as named_storage_location,

        ---- timestamps
        boxes.legacy_modified_at as legacy_modified,
        boxes.legacy_modified_at as source_modified_at

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
            {{ clean_identifier("boxes.box_data ->> 'Stamm_Lagerort'") }}
            = locations_by_number.legacy_id

),

checked as (

    {{ check_rows('mapped',
        errors={
            'missing_key': 'legacy_id is null',
            'duplicate_key': duplicate_key_condition('legacy_id'),
            'missing_box_type': 'not is_deleted and '
                ~ orphan_parent_condition(box_type),
            'unreadable_value': has_unreadable_value('mapped'),
        },
        warnings={
            'unknown_storage_location': 'not is_deleted'
                ~ ' and named_storage_location is not null and '
                ~ orphan_parent_condition(storage_location),
        }) }}

),

validated as (

    {{ pyerp_validated('checked', 'inventory_box',
        business_key='checked.code',
        key='legacy_id',
        details={
            'missing_box_type': orphan_parent_details(box_type),
            'unknown_storage_location':
                orphan_parent_details(storage_location),
        }) }}

)

select * from validated
