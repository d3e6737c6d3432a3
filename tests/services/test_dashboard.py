"""The home page's figures against the hand-worked book (tests/report_book.py), in the shop's own days."""
from datetime import date, datetime, timedelta, timezone

import pytest

from shopledger.models import PaymentMethod
from shopledger.services import clock, dashboard, ledger
from tests.report_book import NOW, TODAY, build


@pytest.fixture
def book(db, make_team, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return build(make_team("Noor Tailors"))


def test_todays_takings_are_live_payments_received_today_by_method(book):
    takings = dashboard.takings(book.shop, today=TODAY)
    assert [(row.method, row.count, row.total_minor) for row in takings.methods] == [
        (PaymentMethod.CASH, 1, 300_00), (PaymentMethod.MOBILE_WALLET, 1, 1000_00),
    ]
    assert (takings.count, takings.total_minor) == (2, 1300_00)
    assert dashboard.takings(book.shop, today=TODAY - timedelta(days=1)).total_minor == 2500_00


def test_this_months_sales_against_last_month_by_the_same_day(book):
    month = dashboard.month_sales(book.shop, today=TODAY)
    assert (month.this_month_minor, month.this_month_count) == (4600_00, 4)
    assert (month.last_month_minor, month.last_month_to_date_minor) == (3000_00, 3000_00)
    assert month.change_percent == 53  # 4,600 against 3,000
    assert (month.this_month.start, month.this_month.end) == (date(2026, 11, 1), TODAY)
    assert (month.last_month.start, month.last_month.end) == (date(2026, 10, 1), date(2026, 10, 31))
    # On 9 November last month by the same day (1-9 October) had nothing: no percentage to give.
    early = dashboard.month_sales(book.shop, today=date(2026, 11, 9))
    assert (early.this_month_minor, early.last_month_to_date_minor, early.change_percent) == (3500_00, 0, None)


def test_the_same_day_last_month_stops_at_the_end_of_a_shorter_month():
    month = dashboard.MonthSales(date(2026, 3, 31), 0, 0, 0, 0)
    assert month.same_day_last_month == date(2026, 2, 28)
    assert dashboard.MonthSales(date(2026, 1, 15), 0, 0, 0, 0).last_month.start == date(2025, 12, 1)


def test_owed_and_overdue(book):
    assert dashboard.dashboard(book.shop, today=TODAY, money=True).owed == ledger.Owed(4100_00, 3)
    assert dashboard.overdue_invoices(book.shop, today=TODAY) == dashboard.Overdue(4, 3300_00)
    # On the day an invoice falls due it is not yet overdue: on 8 November I1 is not, I4, I8 and I9 are.
    assert dashboard.overdue_invoices(book.shop, today=date(2026, 11, 8)) == dashboard.Overdue(3, 2900_00)
    # By the new year every open invoice is: I3 and I5 as well.
    assert dashboard.overdue_invoices(book.shop, today=date(2027, 1, 1)) == dashboard.Overdue(6, 4100_00)


def test_jobs_due_in_the_boards_groups(book):
    assert dashboard.jobs_due(book.shop, today=TODAY) == dashboard.JobsDue(overdue=1, today=1, ahead=1)
    # Seen from the 18th: J3 was already late, J5 (the 21st) and J4 (the 25th) within the week.
    assert dashboard.jobs_due(book.shop, today=date(2026, 11, 18)) == dashboard.JobsDue(overdue=1, today=0, ahead=2)


def test_the_chart_series_of_30_days_and_12_months(book):
    days = dashboard.sales_series(book.shop, today=TODAY, span="days")
    assert len(days) == 30 and days[0].start == date(2026, 10, 23) and days[-1].start == TODAY
    assert {bucket.start: bucket.total_minor for bucket in days if bucket.total_minor} == {
        date(2026, 11, 1): 3500_00, date(2026, 11, 15): 400_00, TODAY: 700_00}
    months = dashboard.sales_series(book.shop, today=TODAY, span="months")
    assert [bucket.start for bucket in months] == [date(2025, 12, 1)] + [date(2026, m, 1) for m in range(1, 12)]
    assert [bucket.total_minor for bucket in months][-4:] == [600_00, 800_00, 3000_00, 4600_00]
    assert months[-1].end == TODAY
    with pytest.raises(ValueError):
        dashboard.sales_series(book.shop, today=TODAY, span="weeks")


def test_what_each_member_sees(book):
    everything = dashboard.dashboard(book.shop, today=TODAY, money=True)
    assert all(part is not None for part in (everything.takings, everything.month, everything.owed,
                                             everything.overdue, everything.jobs))
    staff = dashboard.dashboard(book.shop, today=TODAY, money=False, takings_only=True)
    assert staff.takings.total_minor == 1300_00 and staff.month is staff.owed is staff.overdue is None
    viewer = dashboard.dashboard(book.shop, today=TODAY, money=False)
    assert viewer.takings is viewer.month is viewer.owed is viewer.overdue is None and viewer.jobs is not None


def test_today_is_the_shops_today_after_midnight_in_karachi(book, monkeypatch):
    # 19:30 UTC on the 21st is 00:30 on the 22nd in Karachi: today's takings are the 22nd's (none yet).
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 21, 19, 30, tzinfo=timezone.utc))
    today = clock.shop_today(book.shop)
    assert today == date(2026, 11, 22)
    assert dashboard.takings(book.shop, today=today).total_minor == 0
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 21, 18, 59, tzinfo=timezone.utc))
    assert dashboard.takings(book.shop, today=clock.shop_today(book.shop)).total_minor == 1300_00
