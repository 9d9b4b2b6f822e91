with

source as (

    select * from {{ source('legacy_4d', 'belege') }}

),

renamed as (

    select
        ---- ids
        "__KEY" as legacy_key,
        {{ clean_identifier('"AbsNr"') }} as sales_document_number,
        {{ clean_identifier('"PapierNr"') }}
            as printed_document_number,
        {{ clean_identifier('"KundenNr"') }} as customer_number,
        {{ clean_identifier('"Bearbeiter"') }} as clerk_number,

        ---- strings
        upper({{ clean_text('"Papierart"') }}) as document_type_code,
        upper({{ clean_text('"MWSt_Art"') }}) as tax_type,
        {{ to_iso_currency('"Währung"') }} as currency_code,
        {{ clean_text('"Währung"') }} as currency_raw,
        {{ clean_text('"Zahlungsart_A"') }} as payment_method,
        {{ clean_text('"Versandart"') }} as shipping_method,
        {{ clean_multiline_text('"Lief_Adr"') }} as delivery_address_text,
        {{ clean_multiline_text('"Rech_Adr"') }} as billing_address_text,
        {{ clean_multiline_text('"Text"') }} as notes,
        {{ clean_text('created_name') }} as created_by,
        {{ clean_text('modified_name') }} as modified_by,

        ---- numerics
        {{ to_integer('"Preisgruppe"') }} as price_group,
        {{ to_numeric('"Rabatt"') }} as discount_percent,
        {{ to_numeric('"Netto"') }} as net_amount,
        {{ to_numeric('"MWST_EUR"') }} as tax_amount,
        {{ to_numeric('"Endbetrag"') }} as total_amount,
        {{ to_numeric('"Frachtkosten"') }} as shipping_cost,
        {{ to_numeric('"Bearbeitungskos"') }} as handling_fee,
        {{ to_integer('"SkontoTage"') }} as payment_discount_days,
        {{ to_numeric('"Skonto_G"') }} as payment_discount_percent,
        {{ to_integer('"NettoTage"') }} as payment_net_days,
        {{ to_numeric('"ZahlungBetrag"') }} as paid_amount,

        ---- booleans
        {{ to_boolean('bezahlt') }} as is_paid,

        ---- dates
        {{ parse_4d_date('"Datum"') }} as document_date,
        "Datum" as document_date_raw,
        {{ parse_4d_date('"ZahlungsDat"') }} as payment_date,
        {{ parse_4d_date('created_date') }} as created_date,
        {{ parse_4d_time('created_time') }} as created_time,
        {{ parse_4d_date('modified_date') }} as modified_date,
        {{ parse_4d_time('modified_time') }} as modified_time,

        ---- timestamps
        "__TIMESTAMP" as legacy_modified_at,

        ---- checks
        {{ unreadable_attributes({
            'Preisgruppe': to_integer('"Preisgruppe"'),
            'Rabatt': to_numeric('"Rabatt"'),
            'Netto': to_numeric('"Netto"'),
            'MWST_EUR': to_numeric('"MWST_EUR"'),
            'Endbetrag': to_numeric('"Endbetrag"'),
            'Frachtkosten': to_numeric('"Frachtkosten"'),
            'Bearbeitungskos': to_numeric('"Bearbeitungskos"'),
            'SkontoTage': to_integer('"SkontoTage"'),
            'Skonto_G': to_numeric('"Skonto_G"'),
            'NettoTage': to_integer('"NettoTage"'),
            'ZahlungBetrag': to_numeric('"ZahlungBetrag"'),
            'bezahlt': to_boolean('bezahlt'),
            'ZahlungsDat': parse_4d_date('"ZahlungsDat"'),
        }) }} as unreadable_attributes,

        ---- system
        {{ legacy_4d_system_columns() }}

    from source

)

select * from renamed
