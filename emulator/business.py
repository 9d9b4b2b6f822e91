"""Business rules the ERP applies when a row is saved: line amounts and sales-record totals.

Shared by the generator and the mutations, so a changed line leaves its record's totals as the ERP would.
"""

from __future__ import annotations

from datetime import date

_VAT_PERIODS = (  # (first day, rate) in date order: German standard VAT
    (date(1, 1, 1), 0.14),
    (date(1993, 1, 1), 0.15),
    (date(1998, 4, 1), 0.16),
    (date(2007, 1, 1), 0.19),
    (date(2020, 7, 1), 0.16),
    (date(2021, 1, 1), 0.19),
)


def vat_rate(day: date | None) -> float:
    rate = 0.19
    for first_day, period_rate in _VAT_PERIODS:
        if day is not None and day >= first_day:
            rate = period_rate
    return rate


def line_amount(quantity: float, price: float, discount_percent: float) -> float:
    """``Pos_Betrag``: quantity x price less the line discount, to the cent."""
    return round(quantity * price * (1 - discount_percent / 100), 2)


def document_totals(
    day: date | None, with_vat: bool, freight: float, handling: float, line_amounts: list[float]
) -> tuple[float, float, float]:
    """(``Netto``, ``MWST_EUR``, ``Endbetrag``): VAT is charged on goods, freight and handling."""
    net = round(sum(line_amounts), 2)
    vat = round((net + freight + handling) * vat_rate(day), 2) if with_vat else 0.0
    return net, vat, round(net + vat + freight + handling, 2)
