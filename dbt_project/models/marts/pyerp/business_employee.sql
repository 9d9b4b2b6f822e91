{#- One row per 4D employee (`Personal`) that passed validation, or that was
    deleted in 4D: pyERP's Employee. Merged on `legacy_id`.
    Only rows without rejection reasons come in; an incremental build
    writes only new or changed rows (select_changed_rows). -#}
{{ config(unique_key='legacy_id') }}

with

validated as (

    select * from {{ ref('int_business_employee_validated') }}
    where cardinality(rejection_reasons) = 0

),

changed as (

    {{ select_changed_rows('validated', 'legacy_id') }}

),

final as (

    select
        employee_number,
        legacy_id,
        first_name,
        last_name,
        birth_date,
        hire_date,
        termination_date,
        email,
        phone,
        mobile_phone,
        street,
        postal_code,
        city,
        is_terminated,
        is_present,
        weekly_hours,
        daily_hours,
        salary_code,
        annual_salary,
        monthly_salary,
        annual_vacation_days,
        ad_username,
        content_hash,
        is_deleted,
        source_modified_at
    from changed

)

select * from final
