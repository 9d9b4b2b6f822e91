with

source as (

    select * from {{ source('legacy_4d', 'personal') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_identifier('"Pers_Nr"') }} as employee_number,

        ---- strings
        {{ clean_text('"Vorname"') }} as first_name,
        {{ clean_text('"Name"') }} as last_name,
        {{ clean_text('"Straße"') }} as street,
        {{ clean_text('"PLZ"') }} as postal_code,
        {{ clean_text('"Ort"') }} as city,
        {{ clean_email('"eMail"') }} as email,
        {{ clean_text('"Telefon"') }} as phone,
        {{ clean_text('"Telefon2"') }} as mobile_phone,
        {{ clean_text('"Geh_code"') }} as salary_code,
        {{ clean_text('"AD_Name"') }} as ad_username,
        {{ clean_text('created_name') }} as created_by,
        {{ clean_text('modified_name') }} as modified_by,

        ---- numerics
        {{ to_numeric('"Arb_Std_Wo"') }} as weekly_hours,
        {{ to_numeric('"Arb_Std_Tag"') }} as daily_hours,
        {{ to_numeric('"Jahres_Gehalt"') }} as annual_salary,
        {{ to_numeric('"Monatsgehalt"') }} as monthly_salary,
        {{ to_numeric('"Brutto_lohn"') }} as gross_wage,
        {{ to_integer('"Jahrs_Urlaub"') }} as annual_vacation_days,

        ---- booleans
        {{ to_boolean('anwesend') }} as is_present,
        {{ to_boolean('ausgeschieden') }} as is_terminated,

        ---- dates
        {{ parse_4d_date('"GebDatum"') }} as birth_date,
        {{ parse_4d_date('"Eintrittsdatum"') }} as hire_date,
        {{ parse_4d_date('"Austrittsdatum"') }} as termination_date,
        {{ parse_4d_date('created_date') }} as created_date,
        {{ parse_4d_time('created_time') }} as created_time,
        {{ parse_4d_date('modified_date') }} as modified_date,
        {{ parse_4d_time('modified_time') }} as modified_time,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- checks
        {{ unreadable_attributes({
            'Arb_Std_Wo': to_numeric('"Arb_Std_Wo"'),
            'Arb_Std_Tag': to_numeric('"Arb_Std_Tag"'),
            'Jahres_Gehalt': to_numeric('"Jahres_Gehalt"'),
            'Monatsgehalt': to_numeric('"Monatsgehalt"'),
            'Brutto_lohn': to_numeric('"Brutto_lohn"'),
            'Jahrs_Urlaub': to_integer('"Jahrs_Urlaub"'),
            'anwesend': to_boolean('anwesend'),
            'ausgeschieden': to_boolean('ausgeschieden'),
            'GebDatum': parse_4d_date('"GebDatum"'),
            'Eintrittsdatum': parse_4d_date('"Eintrittsdatum"'),
            'Austrittsdatum': parse_4d_date('"Austrittsdatum"'),
        }) }} as unreadable_attributes,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
