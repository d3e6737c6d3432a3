"""The reports' figures against a book worked out by hand (tests/report_book.py): sales, payments received,
receivables aging on a date (today's stored amounts, and the book read back to a day gone by), and jobs."""
from datetime import date, datetime, timedelta, timezone

import pytest

from shopledger.models import PaymentMethod
from shopledger.services import clock, invoices, ledger, reports
from shopledger.services.reports import Bucket, Period
from tests.report_book import NOW, TODAY, at, build

NOVEMBER = Period(date(2026, 11, 1), TODAY)


@pytest.fixture
def book(db, make_team, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return build(make_team("Noor Tailors"))


@pytest.fixture
def other_shop(db, make_team):
    """A second shop selling on the same days: none of it may show in the first shop's reports."""
    from decimal import Decimal

    from shopledger.services import customers, payments

    team = make_team("Other Shop")
    customer = customers.create_customer(team.shop, by=team.owner, name="Not Theirs")
    invoice = invoices.create_draft(team.shop, customer, by=team.owner, issue_date=date(2026, 11, 1),
                                    lines=[invoices.LineDraft("x", Decimal(1), 99_999_00)])
    invoices.issue(team.shop, invoice, by=team.owner)
    payments.record(team.shop, customer, by=team.owner, amount_minor=11_111_00, received_on=TODAY,
                    method=PaymentMethod.CASH)
    db.session.commit()
    return team


# Periods and buckets


def test_a_period_knows_its_days_and_the_months_it_touches():
    period = Period(date(2026, 10, 30), date(2027, 1, 2))
    assert period.days == 65
    assert period.each_month() == [(date(2026, 10, 30), date(2026, 10, 31)), (date(2026, 11, 1), date(2026, 11, 30)),
                                   (date(2026, 12, 1), date(2026, 12, 31)), (date(2027, 1, 1), date(2027, 1, 2))]
    with pytest.raises(ValueError):
        Period(date(2026, 11, 2), date(2026, 11, 1))


def test_month_start_steps_back_across_years():
    assert reports.month_start(date(2026, 2, 14), 0) == date(2026, 2, 1)
    assert reports.month_start(date(2026, 2, 14), 2) == date(2025, 12, 1)
    assert reports.month_start(date(2026, 11, 21), 11) == date(2025, 12, 1)


def test_buckets_fill_quiet_days_with_zero_and_sum_months_from_days():
    daily = {date(2026, 10, 31): (1, 500), date(2026, 11, 1): (2, 300), date(2026, 11, 30): (1, 200)}
    period = Period(date(2026, 10, 30), date(2026, 11, 30))
    by_day = reports.buckets(daily, period, "day")
    assert len(by_day) == 32 and by_day[0] == Bucket(date(2026, 10, 30), date(2026, 10, 30), 0, 0)
    assert by_day[1].total_minor == 500 and by_day[2].count == 2
    assert reports.buckets(daily, period, "month") == [
        Bucket(date(2026, 10, 30), date(2026, 10, 31), 1, 500), Bucket(date(2026, 11, 1), date(2026, 11, 30), 3, 500),
    ]


# Sales


def test_sales_count_issued_invoices_by_issue_date_and_leave_out_drafts_and_voids(book, other_shop):
    report = reports.sales(book.shop, NOVEMBER, by="day")
    totals = report.totals
    assert (totals.count, totals.total_minor, totals.due_minor) == (4, 4600_00, 1200_00)
    assert (totals.void_count, totals.void_minor, totals.tax_minor) == (1, 900_00, 0)
    assert totals.average_minor == 1150_00
    assert len(report.buckets) == 21
    busy = {bucket.start: (bucket.count, bucket.total_minor) for bucket in report.buckets if bucket.count}
    assert busy == {date(2026, 11, 1): (2, 3500_00), date(2026, 11, 15): (1, 400_00), TODAY: (1, 700_00)}
    assert sum(bucket.total_minor for bucket in report.buckets) == totals.total_minor


def test_sales_by_month_add_up_the_days(book):
    report = reports.sales(book.shop, Period(date(2026, 8, 1), TODAY), by="month")
    assert [(bucket.start, bucket.end, bucket.count, bucket.total_minor) for bucket in report.buckets] == [
        (date(2026, 8, 1), date(2026, 8, 31), 1, 600_00),
        (date(2026, 9, 1), date(2026, 9, 30), 1, 800_00),
        (date(2026, 10, 1), date(2026, 10, 31), 1, 3000_00),
        (date(2026, 11, 1), TODAY, 4, 4600_00),
    ]


def test_sales_by_customer_largest_first_with_what_is_still_due(book, other_shop):
    report = reports.sales(book.shop, NOVEMBER, by="customer")
    assert [(row.name, row.count, row.total_minor, row.due_minor) for row in report.customers] == [
        ("Sana", 2, 3200_00, 400_00), ("Ali", 2, 1400_00, 800_00),
    ]
    assert report.customer_count == 2
    limited = reports.sales(book.shop, NOVEMBER, by="customer", customer_limit=1)
    assert [row.name for row in limited.customers] == ["Sana"] and limited.customer_count == 2


def test_a_quiet_period_has_zero_everywhere(book):
    report = reports.sales(book.shop, Period(date(2026, 1, 1), date(2026, 1, 31)), by="day")
    assert report.totals == reports.SalesTotals(0, 0, 0, 0, 0, 0) and report.totals.average_minor == 0
    assert all(bucket.count == 0 and bucket.total_minor == 0 for bucket in report.buckets)


# Payments received


def test_payments_by_method_count_live_payments_by_the_day_received(book, other_shop):
    report = reports.payments_received(book.shop, NOVEMBER, by="method")
    assert (report.totals.count, report.totals.total_minor) == (4, 4400_00)
    assert (report.totals.void_count, report.totals.void_minor) == (1, 200_00)
    assert [(row.method, row.count, row.total_minor) for row in report.methods] == [
        (PaymentMethod.CASH, 2, 900_00), (PaymentMethod.BANK_TRANSFER, 1, 2500_00),
        (PaymentMethod.MOBILE_WALLET, 1, 1000_00),
    ]
    assert report.buckets == []


def test_payments_by_day_and_month(book):
    by_day = reports.payments_received(book.shop, NOVEMBER, by="day")
    busy = {bucket.start: (bucket.count, bucket.total_minor) for bucket in by_day.buckets if bucket.count}
    assert busy == {date(2026, 11, 10): (1, 600_00), date(2026, 11, 20): (1, 2500_00), TODAY: (2, 1300_00)}
    by_month = reports.payments_received(book.shop, Period(date(2026, 10, 1), TODAY), by="month")
    assert [(bucket.count, bucket.total_minor) for bucket in by_month.buckets] == [(1, 500_00), (4, 4400_00)]


# Receivables aging


def amounts(report):
    return {bucket: amount for bucket, amount in report.amounts.items()}


def test_aging_today_sorts_open_invoices_by_days_past_due(book, other_shop):
    report = reports.aging(book.shop, on=TODAY, today=TODAY)
    assert amounts(report) == {"current": 800_00, "1_30": 400_00, "31_60": 1500_00, "61_90": 800_00,
                               "over_90": 600_00}
    assert report.counts == {"current": 2, "1_30": 1, "31_60": 1, "61_90": 1, "over_90": 1}
    assert report.total_minor == 4100_00 == ledger.total_owed(book.shop).total_minor
    assert [(row.name, row.total_minor, row.invoices) for row in report.customers] == [
        ("Bilal", 2300_00, 2), ("Sana", 1000_00, 2), ("Ali", 800_00, 2),
    ]
    assert report.customers[0].amounts == {"current": 0, "1_30": 0, "31_60": 1500_00, "61_90": 800_00, "over_90": 0}


def test_aging_buckets_turn_over_on_the_30th_60th_and_90th_day(book):
    # I1 was due on 8 Nov: 30 days past due on 8 Dec is still 1-30, the 31st day is 31-60.
    for on, bucket in ((date(2026, 11, 8), "current"), (date(2026, 11, 9), "1_30"), (date(2026, 12, 8), "1_30"),
                       (date(2026, 12, 9), "31_60"), (date(2027, 1, 7), "31_60"), (date(2027, 1, 8), "61_90"),
                       (date(2027, 2, 6), "61_90"), (date(2027, 2, 7), "over_90")):
        report = reports.aging(book.shop, on=on, today=on)
        ali = next(row for row in report.customers if row.name == "Ali")
        assert ali.amounts[bucket] == 400_00, (on, bucket, ali.amounts)


def test_aging_on_a_day_gone_by_reads_the_book_back_to_then(book):
    # 31 Oct: I4 less P6 (2,500, 21 days), I8 (600, 91 days), I9 (800, 46 days); nothing of November.
    october = reports.aging(book.shop, on=date(2026, 10, 31), today=TODAY)
    assert amounts(october) == {"current": 0, "1_30": 2500_00, "31_60": 800_00, "61_90": 0, "over_90": 600_00}
    # 10 Nov: I6 was not voided until the 12th (900, 5 days past due); P1 paid 600 of I1 that day.
    tenth = reports.aging(book.shop, on=date(2026, 11, 10), today=TODAY)
    assert amounts(tenth) == {"current": 0, "1_30": 400_00 + 2500_00 + 900_00, "31_60": 2500_00 + 800_00,
                              "61_90": 0, "over_90": 600_00}
    # 20 Nov: P2 paid I2 that day; I6 voided; I3 not yet due.
    twentieth = reports.aging(book.shop, on=date(2026, 11, 20), today=TODAY)
    assert amounts(twentieth) == {"current": 400_00, "1_30": 400_00, "31_60": 2500_00, "61_90": 800_00,
                                  "over_90": 600_00}


def test_aging_read_back_agrees_with_the_stored_amounts_for_the_same_day(book):
    # Tomorrow, nothing new has happened: reading the book back to today gives today's stored figures,
    # P5 (received and voided today) included in neither.
    stored = reports.aging(book.shop, on=TODAY, today=TODAY)
    read_back = reports.aging(book.shop, on=TODAY, today=TODAY + timedelta(days=1))
    assert read_back == stored


def test_aging_a_payment_voided_later_still_paid_the_invoice_back_then(book, db):
    from shopledger.services import payments

    payment = book.payments["P1"]
    payments.void(book.shop, payment, by=book.team.owner, reason="Bounced")
    for allocation in payment.allocations:
        allocation.voided_at = at(date(2026, 11, 18))
    payment.voided_at = at(date(2026, 11, 18))
    db.session.commit()

    def ali(on):
        return next(row for row in reports.aging(book.shop, on=on, today=TODAY).customers if row.name == "Ali")

    assert ali(date(2026, 11, 15)).amounts["1_30"] == 400_00  # paid 600 of 1,000 then
    assert ali(date(2026, 11, 19)).amounts["1_30"] == 1000_00  # undone on the 18th
    assert ali(TODAY).amounts["1_30"] == 1000_00


# Jobs


def test_jobs_taken_in_completed_delivered_and_late_in_the_shops_days(book, other_shop):
    report = reports.jobs(book.shop, NOVEMBER, today=TODAY)
    assert (report.taken_in, report.completed, report.delivered) == (6, 4, 1)
    assert len(report.due) == 6
    outcomes = {job.title: (job.outcome, job.days_late) for job in report.due}
    assert outcomes == {"Kurta": ("on_time", 0), "Sherwani": ("late", 2), "Shalwar": ("overdue", 6),
                        "Dupatta": ("open", 0), "Coat": ("late", 1), "Edge": ("late", 1)}
    assert [report.count(outcome) for outcome in ("on_time", "late", "overdue", "open")] == [1, 3, 1, 1]
    assert [job.title for job in report.late] == ["Shalwar", "Sherwani", "Edge", "Coat"]
    coat = next(job for job in report.due if job.title == "Coat")
    assert coat.done_on == date(2026, 11, 19)  # its last completion, after it came back


def test_a_job_done_just_after_midnight_in_karachi_is_done_that_day_not_the_day_before_in_utc(book):
    edge = next(job for job in reports.jobs(book.shop, NOVEMBER, today=TODAY).due if job.title == "Edge")
    assert edge.done_on == date(2026, 11, 6) and edge.outcome == "late"
    # Taken in at 00:30 on 1 November in Karachi (19:30 on 31 October in UTC): a November job, not October's.
    october = reports.jobs(book.shop, Period(date(2026, 10, 1), date(2026, 10, 31)), today=TODAY)
    assert october.taken_in == 1  # J3 alone
    first = reports.jobs(book.shop, Period(date(2026, 11, 1), date(2026, 11, 1)), today=TODAY)
    assert first.taken_in == 2  # J1 and J7


def test_a_job_completed_at_the_last_moment_of_the_period_counts_and_one_a_moment_later_does_not(book, db):
    j4 = book.jobs["J4"]
    from shopledger.models import JobStatus
    from shopledger.services import jobs

    change = jobs.move(book.shop, j4, to=JobStatus.COMPLETED, by=book.team.staff)
    change.created_at = datetime(2026, 11, 20, 18, 59, 59, tzinfo=timezone.utc)  # 23:59:59 on the 20th in Karachi
    db.session.commit()
    assert reports.jobs(book.shop, Period(date(2026, 11, 20), date(2026, 11, 20)), today=TODAY).completed == 1
    change.created_at = datetime(2026, 11, 20, 19, 0, tzinfo=timezone.utc)  # midnight: the 21st
    db.session.commit()
    assert reports.jobs(book.shop, Period(date(2026, 11, 20), date(2026, 11, 20)), today=TODAY).completed == 0
    assert reports.jobs(book.shop, Period(TODAY, TODAY), today=TODAY).completed == 1


def test_reports_send_a_handful_of_grouped_queries(book, db):
    from sqlalchemy import event

    statements = []

    def count(*_args):
        statements.append(1)

    shop_id = book.shop.id  # loaded before counting
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        reports.sales(book.shop, NOVEMBER, by="day")
        sales_queries = len(statements)
        statements.clear()
        reports.payments_received(book.shop, NOVEMBER, by="day")
        payment_queries = len(statements)
        statements.clear()
        reports.aging(book.shop, on=date(2026, 11, 10), today=TODAY)
        aging_queries = len(statements)
        statements.clear()
        reports.jobs(book.shop, NOVEMBER, today=TODAY)
        job_queries = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert shop_id and (sales_queries, payment_queries, aging_queries, job_queries) == (2, 3, 1, 3)


def test_taking_a_delivered_job_back_is_not_completing_it_again(book, db):
    from shopledger.models import JobStatus
    from shopledger.services import jobs

    kurta = book.jobs["J1"]  # completed on the 9th, delivered on the 11th
    change = jobs.move(book.shop, kurta, to=JobStatus.COMPLETED, by=book.team.owner, reason="Handed to the wrong man")
    change.created_at = at(date(2026, 11, 20))
    db.session.commit()
    report = reports.jobs(book.shop, Period(date(2026, 11, 20), date(2026, 11, 20)), today=TODAY)
    assert (report.completed, report.delivered) == (0, 0)
    done = next(job for job in reports.jobs(book.shop, NOVEMBER, today=TODAY).due if job.title == "Kurta")
    assert done.done_on == date(2026, 11, 9) and done.outcome == "on_time"


# The lists behind the figures: what a figure's link opens adds up to the figure.


def _listed(shop, url: str):
    """The invoices list for a link's query string, as the list's own route reads it."""
    from urllib.parse import parse_qs, urlsplit

    from werkzeug.datastructures import MultiDict

    from shopledger.blueprints.invoices.forms import ListFilters

    args = MultiDict([(key, value) for key, values in parse_qs(urlsplit(url).query).items() for value in values])
    filters = ListFilters.from_args(args)
    return invoices.list_invoices(shop, today=TODAY, status=filters.status, date_from=filters.date_from,
                                  date_to=filters.date_to, due_from=filters.due_from, due_to=filters.due_to,
                                  per_page=1000)


def test_each_sales_figure_opens_the_invoices_that_make_it(book, other_shop, request_context):
    from shopledger.blueprints.reports.tables import sales_between

    for period in (NOVEMBER, Period(date(2026, 10, 1), date(2026, 10, 31)), Period(TODAY, TODAY)):
        totals = reports.sales_totals(book.shop, period)
        listed = _listed(book.shop, sales_between(period.start, period.end))
        assert (listed.count, listed.total_minor) == (totals.count, totals.total_minor), period


def test_each_age_bucket_opens_the_unpaid_invoices_in_it(book, other_shop, request_context):
    from shopledger.blueprints.reports.tables import unpaid_by_age

    report = reports.aging(book.shop, on=TODAY, today=TODAY)
    assert report.count  # the book has open invoices in several buckets
    for bucket in reports.AGING_BUCKETS:
        listed = _listed(book.shop, unpaid_by_age(bucket, TODAY))
        assert (listed.count, listed.due_minor) == (report.counts[bucket], report.amounts[bucket]), bucket
