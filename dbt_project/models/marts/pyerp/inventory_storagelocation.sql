{{ config(unique_key='legacy_id') }}

{#- pyERP's inventory_storagelocation: the valid rows of
    int_inventory_storagelocation_validated, cast to pyERP's column types,
    with their content hash. Incremental: only new rows and rows whose content
    hash changed are merged (on legacy_id). -#}

with

validated as (

    select * from {{ ref('int_inventory_storagelocation_validated') }}

),

valid_rows as (

    select
        validated.legacy_id::varchar(50) as legacy_id,
        validated.legacy_modified::timestamptz as legacy_modified,
        validated.is_synchronized::boolean as is_synchronized,
        validated.country::varchar(2) as country,
        validated.city_building::varchar(100) as city_building,
        validated.sale::boolean as sale,
        validated.special_spot::boolean as special_spot,
        validated.unit::varchar(50) as unit,
        validated.compartment::varchar(50) as compartment,
        validated.shelf::varchar(50) as shelf,
        validated.location_code::varchar(100) as location_code,
        validated.name::varchar(100) as name,  -- noqa: RF04
        validated.description::text as description,
        validated.is_active::boolean as is_active,
        validated.box_capacity::integer as box_capacity,
        validated.capacity_limit::integer as capacity_limit,
        validated.capacity::integer as capacity,
        validated.is_deleted::boolean as is_deleted,
        validated.source_modified_at::timestamptz as source_modified_at
    from validated
    where cardinality(validated.rejection_reasons) = 0

),

hashed as (

    select
        valid_rows.*,
        {{ content_hash(['valid_rows.*']) }} as content_hash
    from valid_rows

)

select hashed.* from hashed
{%- if is_incremental() %}
    where not exists (
        select null
        from {{ this }} as existing  -- noqa: RF04
        where
            existing.legacy_id = hashed.legacy_id
            and existing.content_hash = hashed.content_hash
    )
{%- endif %}
