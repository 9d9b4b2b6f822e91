{#- One row per product category source: every ArtikelGruppe row, plus one
    row per ArtGr code seen on a product family but missing from ArtikelGruppe
    (legacy-tables.md decision 8; name = code). Such a derived row's
    legacy_key is the __KEY of the first-created family carrying the code
    (source_table tells which table the key belongs to); it counts as deleted
    only when every family carrying the code is. Validation (live rows): a
    code is required; a second row with the same code is a duplicate_key (live
    rows before deleted ones, then the earlier-created, then __KEY, win). An
    Ober_ArtGr naming no category becomes NULL with a warning. -#}
with

product_groups as (

    select * from {{ ref('stg_legacy_4d__product_groups') }}

),

product_families as (

    select * from {{ ref('stg_legacy_4d__product_families') }}

),

groups_mapped as (

    select
        legacy_key,
        'ArtikelGruppe' as source_table,
        product_group_code as code,
        coalesce(product_group_name, product_group_code, '')
            as name,  -- noqa: RF04
        description,
        parent_product_group_code,
        coalesce(is_deleted, false) as is_deleted,
        legacy_modified_at as source_modified_at,
        created_date,
        created_time
    from product_groups

),

codes_seen_on_families as (

    select
        product_group_code as code,
        bool_and(coalesce(is_deleted, false)) as is_deleted,
        (array_agg(
            legacy_key
            order by
                created_date nulls last, created_time nulls last, legacy_key
        ))[1] as legacy_key,
        min(created_date) as created_date
    from product_families
    where product_group_code is not null
    group by product_group_code  -- noqa: AM06

),

codes_derived as (

    select
        codes_seen_on_families.legacy_key,
        'Artikel_Familie' as source_table,
        codes_seen_on_families.code,
        codes_seen_on_families.code as name,  -- noqa: RF04
        null::text as description,
        null::text as parent_product_group_code,
        codes_seen_on_families.is_deleted,
        null::timestamptz as source_modified_at,
        codes_seen_on_families.created_date,
        null::time as created_time
    from codes_seen_on_families
    where not exists (
        select 1
        from product_groups
        where product_groups.product_group_code = codes_seen_on_families.code
    )

),

unioned as (

    select * from groups_mapped
    union all
    select * from codes_derived

),

ranked as (

    select
        *,
        row_number() over (
            partition by code
            order by
                is_deleted,
                created_date nulls last,
                created_time nulls last,
                legacy_key
        ) as code_rank
    from unioned

),

category_codes as (

    select code
    from ranked
    where code is not null and code_rank = 1

),

checked as (

    select
        ranked.*,
        category_codes.code as parent_code,
        case
            when ranked.is_deleted and ranked.code_rank = 1
                then '{}'::text[]
            else array_remove(array[
                case when ranked.code is null then 'missing_code' end,
                case
                    when ranked.code is not null and ranked.code_rank > 1
                        then 'duplicate_key'
                end
            ], null)
        end as rejection_reasons,
        case
            when ranked.is_deleted then '{}'::text[]
            else array_remove(array[
                case
                    when
                        ranked.parent_product_group_code is not null
                        and category_codes.code is null
                        then 'unknown_parent_category'
                end
            ], null)
        end as warning_reasons
    from ranked
    left join category_codes
        on
            ranked.parent_product_group_code = category_codes.code
            and ranked.parent_product_group_code <> ranked.code

),

validated as (

    {{ pyerp_validated('checked', 'products_productcategory',
        business_key='checked.code',
        key='code',
        keep=['source_table'],
        unreadable=false,
        details={
            'missing_code': column_details('code'),
            'unknown_parent_category':
                column_details('parent_product_group_code'),
        }) }}

)

select * from validated
