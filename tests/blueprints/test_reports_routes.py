"""The reports' pages, CSVs and PDFs: who may see them, what a bad period answers, what the files hold.

The figures are those of the hand-worked book in tests/report_book.py; CSVs are parsed back and compared
row by row, PDFs read back with poppler's pdftotext.
"""
import codecs
import csv
import io
import re
import shutil
import subprocess
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from shopledger.models import Role
from shopledger.services import clock, customers, invoices
from shopledger.services.invoices import LineDraft
from tests.report_book import NOW, TODAY, build

REPORTS = ("sales", "payments", "aging", "jobs")
URDU = re.compile(r"[\u0600-\u06FF]")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
                                   reason="poppler-utils (pdftotext, pdffonts) is not installed")


@pytest.fixture
def book(db, make_team, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return build(make_team("Noor Tailors"))


@pytest.fixture
def as_role(client, book, login):
    def log_in_as(role: Role = Role.OWNER):
        login(client, book.team.member(role).email)
        return client

    return log_in_as


def page_of(response) -> str:
    """The page's text with Babel's no-break spaces (Rs\xa04,600) made plain."""
    return response.get_data(as_text=True).replace("\xa0", " ")


def parsed_csv(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith(codecs.BOM_UTF8), "no byte-order mark: Excel would not read Urdu"
    return list(csv.reader(io.StringIO(data[len(codecs.BOM_UTF8):].decode("utf-8"), newline="")))


def pdf_text(data: bytes, *options: str) -> str:
    return subprocess.run(["pdftotext", *options, "-", "-"], input=data, capture_output=True, check=True,
                          timeout=60).stdout.decode()


def plain(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


# Who may see them


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER])
def test_owners_and_managers_see_every_report_page_csv_and_pdf(as_role, role):
    client = as_role(role)
    assert client.get("/reports").status_code == 200
    for name in REPORTS:
        for suffix, mimetype in (("", "text/html"), (".csv", "text/csv"), (".pdf", "application/pdf")):
            response = client.get(f"/reports/{name}{suffix}")
            assert response.status_code == 200, (name, suffix)
            assert response.mimetype == mimetype, (name, suffix)


@pytest.mark.parametrize("role", [Role.STAFF, Role.VIEWER])
def test_staff_and_viewers_may_not_see_reports(as_role, role):
    client = as_role(role)
    assert client.get("/reports").status_code == 403
    for name in REPORTS:
        for suffix in ("", ".csv", ".pdf"):
            assert client.get(f"/reports/{name}{suffix}").status_code == 403, (name, suffix)
    assert "/reports" not in page_of(client.get("/more"))


def test_a_visitor_is_sent_to_log_in(client, book):
    response = client.get("/reports/sales.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_another_shops_sales_never_show(as_role, book, make_team, db):
    other = make_team("Beta Repairs")
    stranger = customers.create_customer(other.shop, by=other.owner, name="Stranger of Beta")
    invoice = invoices.create_draft(other.shop, stranger, by=other.owner, issue_date=TODAY,
                                    lines=[LineDraft("x", Decimal(1), 777_00)])
    invoices.issue(other.shop, invoice, by=other.owner)
    db.session.commit()
    client = as_role()
    page = page_of(client.get("/reports/sales?by=customer"))
    assert "Stranger of Beta" not in page and "Rs 4,600" in page
    assert "Stranger of Beta" not in page_of(client.get("/reports/sales.csv?by=customer"))
    assert "Stranger of Beta" not in page_of(client.get("/reports/aging.csv"))


# The pages


def test_the_sales_page_shows_its_figures_and_links_each_to_its_list(as_role):
    page = page_of(as_role().get("/reports/sales?from=2026-11-01&to=2026-11-21"))
    assert 'id="report"' in page and "<h1>Sales</h1>" in page
    assert "Rs 4,600" in page and "Rs 1,200" in page and "Rs 1,150" in page
    assert 'href="/invoices?from=2026-11-01&amp;to=2026-11-21&amp;status=all_issued"' in page
    # By day (21 days or fewer), each day linking to its invoices.
    assert 'href="/invoices?from=2026-11-15&amp;to=2026-11-15&amp;status=all_issued"' in page
    assert page.count('<tr>') >= 21
    assert "1 voided invoice worth" in page
    assert 'href="/reports/sales.csv?from=2026-11-01&amp;to=2026-11-21&amp;by=day"' in page
    assert 'href="/reports/sales.pdf?from=2026-11-01&amp;to=2026-11-21&amp;by=day"' in page


def test_a_long_period_is_shown_by_month_unless_asked(as_role):
    client = as_role()
    page = page_of(client.get("/reports/sales?from=2026-01-01&to=2026-11-21"))
    assert 'id="sales-month-table"' in page and '<option selected value="month">' in page
    assert 'id="sales-day-table"' in client.get("/reports/sales?from=2026-01-01&to=2026-11-21&by=day").get_data(
        as_text=True)


def test_sales_by_customer_link_to_that_customers_invoices(as_role, book):
    page = page_of(as_role().get("/reports/sales?by=customer"))
    sana = book.customers["Sana"].id
    assert f'href="/invoices?from=2026-11-01&amp;to=2026-11-21&amp;status=all_issued&amp;customer_id={sana}"' in page
    assert page.index(">Sana<") < page.index(">Ali<")


def test_the_payments_page_by_method_links_to_the_payments_list(as_role):
    page = page_of(as_role().get("/reports/payments"))
    assert "Rs 4,400" in page and "Cash" in page and "Bank transfer" in page
    assert 'href="/payments?date_from=2026-11-01&amp;date_to=2026-11-21&amp;method=cash"' in page
    assert "1 voided payment worth" in page
    by_day = page_of(as_role().get("/reports/payments?by=day"))
    assert 'id="payments-methods-table"' in by_day and 'id="payments-day-table"' in by_day


def test_the_aging_page_today_and_on_a_day_gone_by(as_role):
    client = as_role()
    page = page_of(client.get("/reports/aging"))
    assert 'value="2026-11-21"' in page and "Rs 4,100" in page and "Rs 3,300" in page
    assert 'href="/customers/owing?order=age"' in page and 'href="/invoices?status=overdue"' in page
    earlier = page_of(client.get("/reports/aging?on=2026-10-31"))
    assert "Rs 3,900" in earlier
    # Today's lists do not describe a day gone by: no links to them.
    assert 'href="/invoices?status=overdue"' not in earlier


def test_the_jobs_page_lists_the_late_jobs(as_role, book):
    page = page_of(as_role().get("/reports/jobs"))
    late = page[page.index('id="jobs-late-table"'):]
    assert [title for title in re.findall(r'<bdi dir="auto">(\w+)</bdi></a></th>', late)] == [
        "Shalwar", "Sherwani", "Edge", "Coat"]
    assert f'href="/jobs/{book.jobs["J3"].id}"' in late


def test_a_period_change_answers_the_report_fragment_alone(as_role):
    response = as_role().get("/reports/sales?from=2026-10-01&to=2026-10-31", headers={"HX-Request": "true"})
    text = page_of(response)
    assert response.status_code == 200 and text.startswith('<div id="report"') and "<html" not in text
    assert "HX-Request" in response.headers["Vary"] and "Rs 3,000" in text


# Bad input: 422, the message by its field, never a 500


@pytest.mark.parametrize("query, field, message", [
    ("from=2026-13-01", "from", "Enter the date as year-month-day"),
    ("from=21-11-2026", "from", "Enter the date as year-month-day"),
    ("to=0001-01-01", "to", "Enter a date between"),
    ("from=2026-11-10&to=2026-11-01", "to", "The end date cannot be before the start date."),
    ("from=2010-01-01&to=2026-11-21", "from", "Choose a period of ten years or less."),
    ("from=2025-01-01&to=2026-11-21&by=day", "by", "Day by day works for a year at most"),
    ("by=week", "by", "Choose one of the ways to show the report."),
])
@pytest.mark.parametrize("suffix", ["", ".csv", ".pdf"])
def test_a_bad_period_answers_422_with_the_message_by_its_field(as_role, query, field, message, suffix):
    response = as_role().get(f"/reports/sales{suffix}?{query}")
    assert response.status_code == 422
    page = page_of(response)
    error = re.search(rf'<p class="error-text" id="{field}-error">([^<]*)</p>', page)
    assert error and message in error.group(1), page[:2000]
    assert f'aria-describedby="{field}-error"' in page
    assert 'id="sales-day-table"' not in page  # no figures for a period that is not one


def test_an_aging_day_must_be_today_or_before(as_role):
    client = as_role()
    response = client.get("/reports/aging?on=2026-11-22")
    assert response.status_code == 422
    assert "Choose today or a day before it." in page_of(response)
    assert client.get("/reports/aging.csv?on=not-a-day").status_code == 422
    assert client.get("/reports/jobs?to=2026-02-30").status_code == 422


def test_what_was_typed_is_kept_after_a_refusal(as_role):
    page = page_of(as_role().get("/reports/jobs?from=2026-11-10&to=2026-11-01"))
    assert 'value="2026-11-10"' in page and 'value="2026-11-01"' in page


# CSVs, parsed back


def test_the_sales_csv_by_day_parses_back_to_the_report(as_role):
    response = as_role().get("/reports/sales.csv?from=2026-11-01&to=2026-11-21")
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="sales-2026-11-01-to-2026-11-21-by-day.csv"')
    rows = parsed_csv(response)
    assert rows[0] == ["Day", "Invoices", "Sales"]
    assert len(rows) == 1 + 21 + 1
    assert rows[1] == ["2026-11-01", "2", "3500.00"] and rows[2] == ["2026-11-02", "0", "0.00"]
    assert rows[15] == ["2026-11-15", "1", "400.00"] and rows[21] == ["2026-11-21", "1", "700.00"]
    assert rows[-1] == ["Total", "4", "4600.00"]
    assert sum(Decimal(row[2]) for row in rows[1:-1]) == Decimal(rows[-1][2])


def test_the_sales_csv_by_month_and_by_customer(as_role):
    client = as_role()
    months = parsed_csv(client.get("/reports/sales.csv?from=2026-08-01&to=2026-11-21&by=month"))
    assert months == [["Month", "Invoices", "Sales"], ["2026-08", "1", "600.00"], ["2026-09", "1", "800.00"],
                      ["2026-10", "1", "3000.00"], ["2026-11", "4", "4600.00"], ["Total", "7", "9000.00"]]
    by_customer = parsed_csv(client.get("/reports/sales.csv?by=customer"))
    assert by_customer == [["Customer", "Invoices", "Sales", "Still due"], ["Sana", "2", "3200.00", "400.00"],
                           ["Ali", "2", "1400.00", "800.00"], ["Total", "4", "4600.00", "1200.00"]]


def test_the_payments_aging_and_jobs_csvs(as_role):
    client = as_role()
    assert parsed_csv(client.get("/reports/payments.csv")) == [
        ["Paid by", "Payments", "Amount received"], ["Cash", "2", "900.00"], ["Bank transfer", "1", "2500.00"],
        ["Mobile wallet (JazzCash, Easypaisa)", "1", "1000.00"], ["Total", "4", "4400.00"]]
    assert parsed_csv(client.get("/reports/aging.csv")) == [
        ["Customer", "Not yet due", "1–30 days", "31–60 days", "61–90 days", "Over 90 days", "Total"],
        ["Bilal", "0.00", "0.00", "1500.00", "800.00", "0.00", "2300.00"],
        ["Sana", "400.00", "0.00", "0.00", "0.00", "600.00", "1000.00"],
        ["Ali", "400.00", "400.00", "0.00", "0.00", "0.00", "800.00"],
        ["Total", "800.00", "400.00", "1500.00", "800.00", "600.00", "4100.00"]]
    jobs = parsed_csv(client.get("/reports/jobs.csv"))
    assert jobs[0] == ["Job", "Customer", "Due date", "Done on", "Days late", "How it went"]
    assert sorted(jobs[1:]) == sorted([
        ["Kurta", "Ali", "2026-11-10", "2026-11-09", "", "On time"],
        ["Sherwani", "Sana", "2026-11-12", "2026-11-14", "2", "Done late"],
        ["Shalwar", "Bilal", "2026-11-15", "", "6", "Late, not done"],
        ["Dupatta", "Sana", "2026-11-21", "", "", "Not yet due"],
        ["Coat", "Bilal", "2026-11-18", "2026-11-19", "1", "Done late"],
        ["Edge", "Ali", "2026-11-05", "2026-11-06", "1", "Done late"]])


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_neutralised(as_role, book, db):
    hostile = customers.create_customer(book.shop, by=book.team.owner, name='=HYPERLINK("http://x.example","Pay")')
    invoice = invoices.create_draft(book.shop, hostile, by=book.team.owner, issue_date=TODAY,
                                    lines=[LineDraft("x", Decimal(1), 50_00)])
    invoices.issue(book.shop, invoice, by=book.team.owner)
    db.session.commit()
    rows = parsed_csv(as_role().get("/reports/sales.csv?by=customer"))
    assert ["'=HYPERLINK(\"http://x.example\",\"Pay\")", "1", "50.00", "50.00"] in rows


def test_an_urdu_csv_has_urdu_headers_and_the_same_numbers(as_role, book, db):
    book.team.owner.locale = "ur"
    db.session.commit()
    rows = parsed_csv(as_role().get("/reports/sales.csv?by=customer"))
    assert all(URDU.search(cell) for cell in rows[0])
    assert [row[1:] for row in rows[1:]] == [["2", "3200.00", "400.00"], ["2", "1400.00", "800.00"],
                                             ["4", "4600.00", "1200.00"]]


# PDFs, read back


@needs_poppler
def test_the_sales_pdf_holds_the_reports_figures(as_role):
    response = as_role().get("/reports/sales.pdf?by=customer")
    assert response.headers["Content-Disposition"] == 'inline; filename=sales-2026-11-01-to-2026-11-21-by-customer.pdf'
    text = plain(pdf_text(response.get_data(), "-layout"))
    assert "Noor Tailors" in text and "Sales by customer" in text
    assert "Sana 2 Rs 3,200 Rs 400" in text and "Ali 2 Rs 1,400 Rs 800" in text
    assert "Total 4 Rs 4,600 Rs 1,200" in text


@needs_poppler
def test_the_aging_and_jobs_pdfs(as_role):
    client = as_role()
    aging = plain(pdf_text(client.get("/reports/aging.pdf").get_data(), "-layout"))
    assert "Bilal Rs 0 Rs 0 Rs 1,500 Rs 800 Rs 0 Rs 2,300" in aging
    assert "Total Rs 800 Rs 400 Rs 1,500 Rs 800 Rs 600 Rs 4,100" in aging
    jobs = plain(pdf_text(client.get("/reports/jobs.pdf").get_data(), "-layout"))
    assert "Shalwar Bilal Nov 15, 2026 6 Late, not done" in jobs


@needs_poppler
def test_an_urdu_report_pdf_runs_right_to_left_in_nastaliq(as_role, book, db):
    book.team.owner.locale = "ur"
    db.session.commit()
    response = as_role().get("/reports/payments.pdf")
    data = response.get_data()
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    assert any("Nastaliq" in line for line in fonts.splitlines())
    text = pdf_text(data)
    assert URDU.search(text) and "Rs 4,400" in text and "Rs 2,500" in text


# The dashboard


def test_the_owner_sees_every_figure_and_the_chart(as_role):
    page = page_of(as_role().get("/"))
    for figure in ("Rs 1,300", "Rs 4,600", "Rs 4,100", "Rs 3,300", "53%"):
        assert figure in page, figure
    assert 'href="/payments?date_from=2026-11-21&amp;date_to=2026-11-21&amp;method=cash"' in page
    assert 'href="/invoices?from=2026-11-01&amp;to=2026-11-21&amp;status=all_issued"' in page
    assert 'href="/invoices?from=2026-10-01&amp;to=2026-10-31&amp;status=all_issued"' in page
    assert 'href="/customers/owing"' in page and 'href="/invoices?status=overdue"' in page
    assert 'href="/jobs#group-overdue"' in page and 'href="/jobs#group-today"' in page
    assert '<svg class="chart"' in page and page.count('<rect class="chart-bar') == 30
    assert 'href="/reports"' in page
    # A trading shop sees its figures before the setup steps.
    assert page.index('id="takings-title"') < page.index('id="setup-title"')


def test_staff_see_todays_takings_and_jobs_but_no_other_money(as_role):
    page = page_of(as_role(Role.STAFF).get("/"))
    assert "Rs 1,300" in page and 'class="job-counts"' in page
    for hidden in ("Rs 4,600", "Rs 4,100", "Rs 3,300", '<svg class="chart"', 'href="/reports"'):
        assert hidden not in page, hidden


def test_viewers_see_the_jobs_due_and_no_money(as_role):
    page = page_of(as_role(Role.VIEWER).get("/"))
    assert 'class="job-counts"' in page
    assert "Rs " not in page and '<svg class="chart"' not in page


def test_the_chart_toggle_swaps_only_the_chart(as_role):
    client = as_role()
    response = client.get("/?chart=months", headers={"HX-Request": "true"})
    text = page_of(response)
    assert response.status_code == 200 and text.startswith('<section id="sales-chart"')
    assert text.count('<rect class="chart-bar') == 12 and "HX-Request" in response.headers["Vary"]
    assert 'aria-current="page">Last 12 months' in text
    # The address it leaves in the bar is a whole page on its own.
    page = page_of(client.get("/?chart=months"))
    assert "<html" in page and page.count('<rect class="chart-bar') == 12
    # Anything else is the 30 days.
    assert page_of(client.get("/?chart=weeks")).count('<rect class="chart-bar') == 30


def test_the_chart_fragment_is_refused_to_those_who_may_not_see_sales(as_role):
    assert as_role(Role.STAFF).get("/?chart=months", headers={"HX-Request": "true"}).status_code == 403


def test_a_new_shop_sees_its_setup_steps_first(client, make_team, login):
    team = make_team("Fresh Shop")
    login(client, team.owner.email)
    page = page_of(client.get("/"))
    assert page.index('id="setup-title"') < page.index('id="takings-title"')
    assert "No payments received yet today." in page and "No invoice is overdue." in page


def test_after_midnight_in_karachi_the_dashboard_is_on_the_new_day(as_role, monkeypatch):
    # 19:30 UTC on the 21st is 00:30 on the 22nd in the shop: nothing taken in yet, the 22nd's links.
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 21, 19, 30, tzinfo=timezone.utc))
    page = page_of(as_role().get("/"))
    assert 'href="/payments?date_from=2026-11-22&amp;date_to=2026-11-22"' in page
    assert "No payments received yet today." in page
    assert page_of(as_role().get("/reports/aging")).count('value="2026-11-22"') == 1


def test_the_aging_offers_the_ends_of_last_month_and_year(as_role):
    page = page_of(as_role().get("/reports/aging?on=2026-10-31"))
    assert 'href="/reports/aging?on=2026-10-31" hx-get="/reports/aging?on=2026-10-31"' in page
    assert re.search(r'href="/reports/aging\?on=2026-10-31"[^>]*aria-current="page"', page)
    assert 'href="/reports/aging?on=2025-12-31"' in page and 'href="/reports/aging?on=2026-11-21"' in page
