with

source as (

    select * from {{ source('legacy_4d', 'kunden') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_identifier('"KundenNr"') }} as customer_number,
        {{ clean_identifier('"AdrNr"') }} as address_number,

        ---- strings
        {{ clean_text('"Kundengr"') }} as customer_group,
        {{ clean_text('"USt_IdNr"') }} as vat_id,
        {{ clean_text('"Zahlungsart"') }} as payment_method,
        {{ clean_text('"Versandart"') }} as shipping_method,
        {{ clean_text('created_name') }} as created_by,
        {{ clean_text('modified_name') }} as modified_by,

        ---- numerics
        {{ to_integer('"Preisgru"') }} as price_group,
        {{ to_numeric('"Kreditlimit"') }} as credit_limit,
        {{ to_numeric('"Rabatt"') }} as discount_percent,
        {{ to_integer('"SkontoTage"') }} as payment_discount_days,
        {{ to_integer('"NettoTage"') }} as payment_net_days,

        ---- booleans
        {{ to_boolean('"Liefersperre"') }} as is_delivery_blocked,

        ---- dates
        {{ parse_4d_date('created_date') }} as created_date,
        {{ parse_4d_time('created_time') }} as created_time,
        {{ parse_4d_date('modified_date') }} as modified_date,
        {{ parse_4d_time('modified_time') }} as modified_time,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- checks
        {{ unreadable_attributes({
            'Preisgru': to_integer('"Preisgru"'),
            'Kreditlimit': to_numeric('"Kreditlimit"'),
            'Rabatt': to_numeric('"Rabatt"'),
            'SkontoTage': to_integer('"SkontoTage"'),
            'NettoTage': to_integer('"NettoTage"'),
            'Liefersperre': to_boolean('"Liefersperre"'),
        }) }} as unreadable_attributes,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
