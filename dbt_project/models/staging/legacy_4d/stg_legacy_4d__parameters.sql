with

source as (

    select * from {{ source('legacy_4d', 'parameter') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,

        ---- strings
        {{ clean_text('scope') }} as parameter_scope,
        {{ clean_text('created_name') }} as created_by,
        {{ clean_text('modified_name') }} as modified_by,

        ---- json
        {{ parse_json('data_') }} as parameter_data,

        ---- dates
        {{ parse_4d_date('created_date') }} as created_date,
        {{ parse_4d_time('created_time') }} as created_time,
        {{ parse_4d_date('modified_date') }} as modified_date,
        {{ parse_4d_time('modified_time') }} as modified_time,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
