{#- One row per Belege_Pos row with its amounts as pyERP stores them
    (legacy-tables.md decision 2): the subtotal is the legacy Pos_Betrag,
    or quantity x price x (1 - Rabatt/100) only when Pos_Betrag is missing;
    the tax rate is its record's (the German VAT rate of the record's date
    when MWSt_Art = 'JA', else 0); tax and total derived from them, rounded
    half-up (away from zero) to 2 decimals. -#}
with

lines as (

    select * from {{ ref('stg_legacy_4d__sales_document_lines') }}

),

sales_documents as (

    select * from {{ ref('int_sales_documents_mapped') }}

),

item_types as (

    {{ legacy_choices('sales_item_type', 'item_type') }}

),

document_tax_rates as (

    -- the live record first when 4D holds several with the same AbsNr
    select distinct on (sales_documents.sales_document_number)
        sales_documents.sales_document_number,
        sales_documents.tax_rate_percent
    from sales_documents
    order by  -- noqa: AM06
        sales_documents.sales_document_number asc,
        sales_documents.is_deleted asc,
        sales_documents.legacy_key asc

),

subtotals as (

    select
        lines.*,
        coalesce(item_types.item_type, 'PRODUCT') as item_type,
        coalesce(document_tax_rates.tax_rate_percent, 0) as tax_rate_percent,
        coalesce(
            lines.line_amount,
            round(
                coalesce(lines.quantity, 0)
                * coalesce(lines.unit_price, 0)
                * (1 - coalesce(lines.discount_percent, 0) / 100),
                2
            )
        ) as line_subtotal
    from lines
    left join item_types
        on lines.line_type_code = item_types.legacy_code
    left join document_tax_rates
        on
            lines.sales_document_number
            = document_tax_rates.sales_document_number

),

priced as (

    select
        subtotals.*,
        round(subtotals.line_subtotal * subtotals.tax_rate_percent / 100, 2)
            as line_tax_amount,
        subtotals.line_subtotal
        + round(subtotals.line_subtotal * subtotals.tax_rate_percent / 100, 2)
            as line_total
    from subtotals

)

select * from priced  -- noqa: AM04
