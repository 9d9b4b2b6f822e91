{#- One row per Personal row (deleted ones included), mapped to the columns
    of pyERP's Employee (legacy-tables.md §2.8; the mart business_employee's
    contract) and checked; pyerp_validated then applies the Django field
    rules and casts to pyERP's types (the pattern: macros/pyerp_columns.sql).
    Live rows are rejected for missing_employee_number, and duplicate_key when
    an earlier-created employee (created date and time, then __KEY) that is
    otherwise valid or deleted already holds the number (pyERP's
    employee_number is unique). monthly_salary is Monatsgehalt when above 0,
    else Jahres_Gehalt / 12, else Brutto_lohn, else 0. An e-mail Django's
    EmailValidator refuses becomes NULL with the EmailField rule's warning
    invalid_email (details: the value 4D had); negative vacation days become NULL
    with the PositiveIntegerField rule's warning out_of_range.
    Live rows are also rejected for unreadable_value: an hours, salary,
    vacation, flag or date field was given but could not be read (staging's
    unreadable_attributes); publishing it as "no value" would bend the row, so
    pyERP keeps its last good version. Business key: the employee number. -#}
with

employees as (

    select * from {{ ref('stg_legacy_4d__employees') }}

),

mapped as (

    select
        legacy_key,
        unreadable_attributes,
        employee_number,
        legacy_key as legacy_id,
        birth_date,
        hire_date,
        termination_date,
        ad_username,
        legacy_modified_at as source_modified_at,
        created_date,
        created_time,
        first_name,
        last_name,
        annual_vacation_days,
        email,
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
        coalesce(is_deleted, false) as is_deleted
    from employees

),

checked as (

    {{ reject_later_duplicates('mapped', 'employee_number',
        errors={
            'missing_employee_number': 'employee_number is null',
            'unreadable_value': has_unreadable_value('mapped'),
        }) }}

),

validated as (

    {{ pyerp_validated('checked', 'business_employee',
        business_key='checked.employee_number',
        key='employee_number',
        details={
            'missing_employee_number': column_details('employee_number'),
        }) }}

)

select * from validated
