{#- One row per Stamm_Lagerorte row (soft-deleted ones included), mapped to
    pyERP's inventory_storagelocation, with the reasons it cannot be
    published. Regal, Fach and Boden become unit, compartment and shelf as
    text; the name is country-city-R<unit>-F<compartment>-B<shelf>.
    Rejected: no ID_Lagerort (missing_key); an ID_Lagerort or a place
    (country, city, unit, compartment, shelf; '' where 4D gave none) an
    earlier row already holds (live rows first, then by __KEY:
    duplicate_key); and, for live rows, unreadable_value: Regal, Fach, Boden,
    X, Y, Z or a flag was given but could not be read (staging's
    unreadable_attributes); publishing it as "no value" would bend the row, so
    pyERP keeps its last good version. The Django field rules and the casts
    are pyerp_validated's (macros/pyerp_validated.sql). -#}
{%- set place = ['country', 'city_building', 'unit', 'compartment', 'shelf'] %}

with

storage_locations as (

    select * from {{ ref('stg_legacy_4d__storage_locations') }}

),

mapped as (

    select  -- noqa: ST06
        ---- ids
        storage_locations.legacy_key,
        storage_locations.unreadable_attributes,
        storage_locations.legacy_id::text as legacy_id,

        ---- strings
        coalesce(storage_locations.country_code, '') as country,
        coalesce(storage_locations.city_building, '') as city_building,
        coalesce(storage_locations.rack_number::text, '') as unit,
        coalesce(storage_locations.compartment_number::text, '')
            as compartment,
        coalesce(storage_locations.shelf_number::text, '') as shelf,
        storage_locations.location_code,
        coalesce(
            nullif(
                concat_ws(
                    '-',
                    nullif(storage_locations.country_code, ''),
                    storage_locations.city_building,
                    'R' || storage_locations.rack_number,
                    'F' || storage_locations.compartment_number,
                    'B' || storage_locations.shelf_number
                ),
                ''
            ),
            'Location ' || storage_locations.legacy_id
        ) as name,  -- noqa: RF04
        '' as description,

        ---- numerics
        null::integer as box_capacity,
        null::integer as capacity_limit,
        null::integer as capacity,

        ---- booleans
        coalesce(storage_locations.is_clearance_sale, false) as sale,
        coalesce(storage_locations.is_special_storage, false) as special_spot,
        not storage_locations.is_deleted as is_active,
        true as is_synchronized,
        storage_locations.is_deleted,

        ---- timestamps
        storage_locations.legacy_modified_at as legacy_modified,
        storage_locations.legacy_modified_at as source_modified_at

    from storage_locations

),

checked as (

    {{ check_rows('mapped', errors={
        'missing_key': 'legacy_id is null',
        'duplicate_key': duplicate_key_condition('legacy_id', also=place),
        'unreadable_value': has_unreadable_value('mapped'),
    }) }}

),

validated as (

    {{ pyerp_validated('checked', 'inventory_storagelocation',
        business_key='checked.name',
        key=['legacy_id'] + place) }}

)

select * from validated
