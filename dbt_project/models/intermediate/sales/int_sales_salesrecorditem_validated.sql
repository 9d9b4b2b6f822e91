{#- One row per Belege_Pos row (soft-deleted ones included), mapped to
    pyERP's sales_salesrecorditem, with the reasons it cannot be published
    (errors) or is published with a caveat (warnings). The product is the
    valid, live variant whose legacy_sku (alteNummer) equals ArtNr, else the
    one whose sku (Nummer) does; a line naming an article that matches none
    is published without product (warning unknown_product).
    Live rows are also rejected for unreadable_value: Menge, Preis, Rabatt,
    Pos_Betrag, Pick_Menge, Picking_ok, PreOrder or Termin was given but could
    not be read (staging's unreadable_attributes); publishing it as "no value"
    would bend the row, so pyERP keeps its last good version. -#}
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

    select sales_records.legacy_id
    from sales_records
    where
        cardinality(sales_records.rejection_reasons) = 0
        and not sales_records.is_deleted

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
        coalesce(lines.legacy_sku, '') as legacy_sku,
        coalesce(lines.description, '') as description,
        lines.item_type,
        coalesce(lines.notes, '') as notes,
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
        lines.legacy_modified_at as source_modified_at,

        ---- validation
        row_number() over (
            partition by lines.sales_document_number, lines.position_number
            order by lines.is_deleted asc, lines.legacy_key asc
        ) as key_rank

    from lines
    left join valid_records
        on lines.sales_document_number::text = valid_records.legacy_id
    left join variants_by_legacy_sku
        on lines.legacy_sku = variants_by_legacy_sku.legacy_sku
    left join variants_by_sku
        on lines.legacy_sku = variants_by_sku.sku

),

validated as (

    select
        mapped.*,
        array_remove(array[
            case
                when
                    mapped.sales_record_legacy_id is null
                    or (not mapped.is_deleted and not mapped.has_sales_record)
                    then 'missing_sales_record'
            end,
            case when mapped.position is null then 'missing_position' end,
            case
                when
                    mapped.sales_record_legacy_id is not null
                    and mapped.position is not null
                    and mapped.key_rank > 1
                    then 'duplicate_key'
            end,
            case
                when
                    greatest(
                        abs(mapped.quantity), abs(mapped.fulfilled_quantity)
                    ) >= 1e8
                    or greatest(
                        abs(mapped.unit_price),
                        abs(mapped.line_subtotal),
                        abs(mapped.line_total)
                    ) >= 1e10
                    or abs(mapped.tax_amount) >= 1e8
                    or abs(mapped.discount_percentage) >= 1e3
                    then 'amount_out_of_range'
            end,
            {{ unreadable_value_reason('mapped') }}
        ], null) as rejection_reasons,
        array_remove(array[
            case
                when
                    not mapped.is_deleted
                    and mapped.product_legacy_id is null
                    and mapped.legacy_sku <> ''
                    then 'unknown_product'
            end
        ], null) as warning_reasons
    from mapped

)

select * from validated
