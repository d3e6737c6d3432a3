"""Invoice arithmetic: exact Decimals, rounded once per line, half away from zero, to the minor unit.

The rule, used by the page, the lists, the PDF and the ledger alike:
1. A line's gross is quantity × unit price, rounded to the minor unit.
2. Its own discount is gross × discount %, rounded; its net is gross − discount.
3. The invoice-level discount is shared among the lines in proportion to their nets, by largest
   remainder, so the shares add up exactly to it.
4. Tax is (net − share) × tax %, rounded, per line.
5. A line's total is net − share + tax; the invoice's total is the sum of the lines' totals,
   which equals subtotal − discount + tax exactly. Paying that total leaves exactly zero due.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


def round_minor(amount: Decimal) -> int:
    """Round an exact amount of minor units to a whole one, half away from zero."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price_minor: int
    discount_percent: Decimal = Decimal(0)
    tax_percent: Decimal = Decimal(0)


@dataclass(frozen=True)
class LineTotals:
    gross_minor: int
    line_discount_minor: int
    net_minor: int
    invoice_discount_minor: int
    tax_minor: int
    total_minor: int


@dataclass(frozen=True)
class InvoiceTotals:
    lines: tuple[LineTotals, ...]
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int


def share(amount: int, weights: list[int]) -> list[int]:
    """Split `amount` over `weights` in proportion, by largest remainder: the parts add up exactly."""
    total_weight = sum(weights)
    if amount == 0 or total_weight == 0:
        return [0] * len(weights)
    exact = [Decimal(amount) * weight / total_weight for weight in weights]
    parts = [int(value) for value in exact]  # towards zero
    leftover = amount - sum(parts)
    order = sorted(range(len(weights)), key=lambda index: (exact[index] - parts[index], weights[index]), reverse=True)
    for index in order[:leftover]:
        parts[index] += 1
    return parts


def compute(lines: list[LineInput], invoice_discount_minor: int = 0) -> InvoiceTotals:
    """Work out every line and the invoice's totals under the rule above."""
    grosses = [round_minor(line.quantity * line.unit_price_minor) for line in lines]
    line_discounts = [round_minor(gross * line.discount_percent / HUNDRED) for gross, line in zip(grosses, lines)]
    nets = [gross - discount for gross, discount in zip(grosses, line_discounts)]
    shares = share(invoice_discount_minor, [max(net, 0) for net in nets])
    results = []
    for line, gross, line_discount, net, part in zip(lines, grosses, line_discounts, nets, shares):
        tax = round_minor((net - part) * line.tax_percent / HUNDRED)
        results.append(LineTotals(gross, line_discount, net, part, tax, net - part + tax))
    subtotal = sum(nets)
    tax_total = sum(result.tax_minor for result in results)
    return InvoiceTotals(
        lines=tuple(results),
        subtotal_minor=subtotal,
        discount_minor=invoice_discount_minor,
        tax_minor=tax_total,
        total_minor=sum(result.total_minor for result in results),
    )
