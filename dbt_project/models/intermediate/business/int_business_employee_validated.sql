{#- One row per Personal row (deleted ones included), mapped to pyERP's
    Employee (legacy-tables.md §2.8) and checked. Live rows are rejected for
    missing_employee_number, and duplicate_key when an earlier-created
    employee (created date and time, then __KEY) that is otherwise valid or
    deleted already holds the number (pyERP's employee_number is unique).
    monthly_salary is Monatsgehalt when above 0, else Jahres_Gehalt / 12, else
    Brutto_lohn, else 0. An e-mail that is no address, and negative vacation
    days (pyERP checks >= 0), become NULL with a warning.
    Live rows are also rejected for unreadable_value: an hours, salary,
    vacation, flag or date field was given but could not be read (staging's
    unreadable_attributes); publishing it as "no value" would bend the row, so
    pyERP keeps its last good version. -#}
with

employees as (

    select * from {{ ref('stg_legacy_4d__employees') }}

),

mapped as (

    select
        legacy_key,
        unreadable_attributes,
        employee_number::text as employee_number,
        birth_date,
        hire_date,
        termination_date,
        ad_username,
        legacy_modified_at as source_modified_at,
        created_date,
        created_time,
        coalesce(first_name, '') as first_name,
        coalesce(last_name, '') as last_name,
        nullif(email, '') as email,
        email = '' as has_invalid_email,
        coalesce(phone, '') as phone,
        coalesce(mobile_phone, '') as mobile_phone,
        coalesce(street, '') as street,
        coalesce(postal_code, '') as postal_code,
        coalesce(city, '') as city,
        coalesce(is_terminated, false) as is_terminated,
        coalesce(is_present, true) as is_present,
        coalesce(weekly_hours, 0) as weekly_hours,
        coalesce(daily_hours, 0) as daily_hours,
        coalesce(salary_code, '') as salary_code,
        coalesce(annual_salary, 0) as annual_salary,
        case
            when monthly_salary > 0 then monthly_salary
            when annual_salary > 0 then round(annual_salary / 12, 2)
            when gross_wage > 0 then gross_wage
            else 0
        end as monthly_salary,
        case
            when annual_vacation_days >= 0 then annual_vacation_days
        end as annual_vacation_days,
        annual_vacation_days < 0 as has_negative_vacation_days,
        coalesce(is_deleted, false) as is_deleted
    from employees

),

row_checked as (

    select
        *,
        array_remove(array[
            case
                when employee_number is null then 'missing_employee_number'
            end,
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
                employee_number, (is_deleted or cardinality(row_errors) = 0)
            order by
                created_date nulls last,
                created_time nulls last,
                legacy_key
        ) as employee_number_rank
    from row_checked

),

checked as (

    select
        *,
        case
            when is_deleted then '{}'::text[]
            when cardinality(row_errors) = 0 and employee_number_rank > 1
                then array['duplicate_key']
            else row_errors
        end as rejection_reasons,
        case
            when is_deleted then '{}'::text[]
            else array_remove(array[
                case when has_invalid_email then 'invalid_email' end,
                case
                    when has_negative_vacation_days
                        then 'invalid_vacation_days'
                end
            ], null)
        end as warning_reasons
    from ranked

),

typed as (

    select
        legacy_key,
        employee_number::varchar(20) as employee_number,
        legacy_key::varchar(50) as legacy_id,
        first_name::varchar(100) as first_name,
        last_name::varchar(100) as last_name,
        birth_date::date as birth_date,
        hire_date::date as hire_date,
        termination_date::date as termination_date,
        email::varchar(254) as email,
        phone::varchar(50) as phone,
        mobile_phone::varchar(50) as mobile_phone,
        street::varchar(200) as street,
        postal_code::varchar(20) as postal_code,
        city::varchar(100) as city,
        is_terminated,
        is_present,
        weekly_hours::numeric(5, 2) as weekly_hours,
        daily_hours::numeric(5, 2) as daily_hours,
        salary_code::varchar(20) as salary_code,
        annual_salary::numeric(10, 2) as annual_salary,
        monthly_salary::numeric(10, 2) as monthly_salary,
        annual_vacation_days::integer as annual_vacation_days,
        ad_username::varchar(100) as ad_username,
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
            'employee_number', 'legacy_id', 'first_name', 'last_name',
            'birth_date', 'hire_date', 'termination_date', 'email', 'phone',
            'mobile_phone', 'street', 'postal_code', 'city', 'is_terminated',
            'is_present', 'weekly_hours', 'daily_hours', 'salary_code',
            'annual_salary', 'monthly_salary', 'annual_vacation_days',
            'ad_username', 'is_deleted', 'source_modified_at',
        ]) }} as content_hash,
        array_to_string(rejection_reasons, ',') as rejection_reasons_text,
        array_to_string(warning_reasons, ',') as warning_reasons_text
    from typed

)

select * from validated
