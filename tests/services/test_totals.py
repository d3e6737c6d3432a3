"""The rounding rule: totals, taxes and discounts add up for any input."""
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from shopledger.services.totals import LineInput, compute, share

quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1000), places=3)
prices = st.integers(min_value=0, max_value=10_000_000)
percents = st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2)
lines = st.lists(st.builds(LineInput, quantities, prices, percents, percents), min_size=1, max_size=8)


def test_a_worked_example_by_hand():
    totals = compute([
        LineInput(Decimal("2"), 150_000, Decimal("10"), Decimal("17")),   # 3,000.00 − 10% = 2,700.00
        LineInput(Decimal("1.5"), 33_333, Decimal("0"), Decimal("0")),    # 499.995 → 500.00
    ], invoice_discount_minor=10_000)                                    # 100.00 shared 2700:500
    first, second = totals.lines
    assert (first.gross_minor, first.line_discount_minor, first.net_minor) == (300_000, 30_000, 270_000)
    assert (second.gross_minor, second.net_minor) == (50_000, 50_000)
    assert (first.invoice_discount_minor, second.invoice_discount_minor) == (8_438, 1_562)
    assert first.tax_minor == 44_466  # (270,000 − 8,438) × 17% = 44,465.54 → 44,466
    assert totals.subtotal_minor == 320_000 and totals.tax_minor == 44_466
    assert totals.total_minor == 320_000 - 10_000 + 44_466 == 354_466


@given(lines, st.integers(min_value=0, max_value=10**9))
def test_the_invoice_total_is_subtotal_less_discount_plus_tax_and_the_sum_of_its_lines(items, discount):
    subtotal = compute(items).subtotal_minor
    discount = min(discount, subtotal)
    totals = compute(items, discount)
    assert totals.total_minor == totals.subtotal_minor - totals.discount_minor + totals.tax_minor
    assert totals.total_minor == sum(line.total_minor for line in totals.lines)
    assert sum(line.invoice_discount_minor for line in totals.lines) == discount
    for line in totals.lines:
        assert 0 <= line.invoice_discount_minor <= max(line.net_minor, 0)
        assert line.tax_minor >= 0 and line.total_minor >= 0


@given(st.integers(min_value=0, max_value=10**12), st.lists(st.integers(min_value=0, max_value=10**9), min_size=1))
def test_shares_add_up_exactly_and_stay_within_one_of_proportional(amount, weights):
    parts = share(amount, weights)
    if sum(weights) == 0:
        assert parts == [0] * len(weights)
        return
    assert sum(parts) == amount
    for part, weight in zip(parts, weights):
        assert abs(part - Decimal(amount) * weight / sum(weights)) < 1


@given(lines)
def test_each_line_is_rounded_once_half_up(items):
    for item, line in zip(items, compute(items).lines):
        exact = item.quantity * item.unit_price_minor
        assert abs(line.gross_minor - exact) <= Decimal("0.5")
