{#- One row per Belege_Pos row (soft-deleted ones included), mapped to
    pyERP's sales_salesrecorditem, with the reasons it cannot be published
    (errors) or is published with a caveat (warnings). The product is the
    valid, live variant whose legacy_sku (alteNummer) equals ArtNr, else the
    one whose sku (Nummer) does; a line naming an article that matches none
    is published without product (warning unknown_product).
    Rejected: no AbsNr, or (live rows) one that names no valid, live sales
    record (missing_sales_record: picked up again once the record exists);
    no PosNr (missing_position); an (AbsNr, PosNr) an earlier row already
    holds (live rows first, then by __KEY: duplicate_key); and, for live
    rows, unreadable_value: Menge, Preis, Rabatt, Pos_Betrag, Pick_Menge,
    Picking_ok, PreOrder or Termin was given but could not be read (staging's
    unreadable_attributes); publishing it as "no value" would bend the row,
    so pyERP keeps its last good version. A quantity or amount pyERP's
    DecimalField cannot hold is rejected by the Django field rules
    (too_many_digits), which pyerp_validated applies with the casts
    (macros/pyerp_validated.sql). -#}
{%- set sales_record = [
    ('sales_salesrecord', 'sales_record_legacy_id', 'has_sales_record'),
] %}
{%- set product = [
    ('products_variantproduct', 'legacy_sku', 'product_legacy_id is not null'),
] %}

with

lines as (

    select * from {{ ref('int_sales_document_lines_priced') }}

),

sales_records as (

    select * from {{ ref('int_sales_salesrecord_validated') }}

),

variants as (

    select * from {{ ref('stg_legacy_4d__product_variants') }}

),

validated_variants as (

    select * from {{ ref('int_products_variantproduct_validated') }}

),

valid_variants as (

    select
        variants.legacy_key,
        variants.legacy_sku,
        variants.sku
    from variants
    inner join validated_variants
        on variants.legacy_key = validated_variants.legacy_key
    where
        cardinality(validated_variants.rejection_reasons) = 0
        and not variants.is_deleted

),

variants_by_legacy_sku as (

    select distinct on (valid_variants.legacy_sku)
        valid_variants.legacy_sku,
        valid_variants.legacy_key
    from valid_variants
    where valid_variants.legacy_sku is not null
    order by  -- noqa: AM06
        valid_variants.legacy_sku asc,
        valid_variants.legacy_key asc

),

variants_by_sku as (

    select distinct on (valid_variants.sku)
        valid_variants.sku,
        valid_variants.legacy_key
    from valid_variants
    where valid_variants.sku is not null
    order by  -- noqa: AM06
        valid_variants.sku asc,
        valid_variants.legacy_key asc

),

valid_records as (

    {{ valid_live_rows('sales_records', ['legacy_id']) }}

),

mapped as (

    select  -- noqa: ST06
        ---- ids
        lines.legacy_key,
        lines.unreadable_attributes,
        lines.sales_document_number || '_' || lines.position_number
            as legacy_id,
        lines.sales_document_number::text as sales_record_legacy_id,
        lines.position_number as position,  -- noqa: RF04
        coalesce(
            variants_by_legacy_sku.legacy_key, variants_by_sku.legacy_key
        ) as product_legacy_id,

        ---- strings
        lines.legacy_sku,
        lines.description,
        lines.item_type,
        lines.notes,
        case
            when lines.is_picking_complete then 'FULFILLED'
            when
                coalesce(lines.picked_quantity, 0) > 0
                and lines.picked_quantity < coalesce(lines.quantity, 0)
                then 'PARTIAL'
            when
                coalesce(lines.picked_quantity, 0) > 0
                and lines.picked_quantity >= coalesce(lines.quantity, 0)
                then 'FULFILLED'
            else 'PENDING'
        end as fulfillment_status,

        ---- numerics
        coalesce(lines.quantity, 0) as quantity,
        coalesce(lines.unit_price, 0) as unit_price,
        coalesce(lines.discount_percent, 0) as discount_percentage,
        lines.tax_rate_percent as tax_rate,
        lines.line_tax_amount as tax_amount,
        lines.line_subtotal,
        lines.line_total,
        coalesce(lines.picked_quantity, 0) as fulfilled_quantity,

        ---- booleans
        true as is_synchronized,
        lines.is_deleted,
        valid_records.legacy_id is not null as has_sales_record,

        ---- timestamps
        lines.legacy_modified_at as legacy_modified,
        lines.legacy_modified_at as source_modified_at

    from lines
    left join valid_records
        on lines.sales_document_number::text = valid_records.legacy_id
    left join variants_by_legacy_sku
        on lines.legacy_sku = variants_by_legacy_sku.legacy_sku
    left join variants_by_sku
        on lines.legacy_sku = variants_by_sku.sku

),

checked as (

    {{ check_rows('mapped',
        errors={
            'missing_sales_record': 'sales_record_legacy_id is null'
                ~ ' or (not is_deleted and '
                ~ orphan_parent_condition(sales_record) ~ ')',
            'missing_position': 'position is null',
            'duplicate_key':
                duplicate_key_condition(['sales_record_legacy_id', 'position']),
            'unreadable_value': has_unreadable_value('mapped'),
        },
        warnings={
            'unknown_product': "not is_deleted and legacy_sku <> '' and "
                ~ orphan_parent_condition(product),
        }) }}

),

validated as (

    {{ pyerp_validated('checked', 'sales_salesrecorditem',
        business_key="nullif(concat_ws('/', checked.sales_record_legacy_id,"
            ~ " checked.position), '')",
        key=['sales_record_legacy_id', 'position'],
        details={
            'missing_sales_record': orphan_parent_details(sales_record),
            'missing_position': column_details('position'),
            'unknown_product': orphan_parent_details(product),
        }) }}

)

select * from validated
