"""Views for reports: each report's page (the form of its period, its figures, its tables), CSV and PDF."""
from __future__ import annotations

from flask import g, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from ... import pdf
from ...htmx import render
from ...permissions import requires
from ...services import clock, reports
from ...services.csv_export import csv_response
from ...tenancy import current_shop, shop_required
from . import bp, tables
from .forms import AgingForm, GroupedPeriodForm, PeriodForm, aging_days, period_choices

# The page lists this many rows of a long table; the CSV has them all, the PDF up to PDF_ROWS.
PAGE_ROWS = 100
PDF_ROWS = 500


@bp.context_processor
def report_helpers():
    shop = g.get("shop")
    if shop is None:
        return {}

    def cell(value, kind: str) -> Markup:
        """A table cell or figure on the page: amounts and counts kept left to right inside Urdu."""
        text = tables.display_cell(value, kind, shop.currency, shop.country)
        if kind == tables.TEXT:
            return Markup('<bdi dir="auto">{}</bdi>').format(text)
        if kind in (tables.MONEY, tables.COUNT):
            return Markup('<bdi class="num">{}</bdi>').format(text)
        return Markup("<bdi>{}</bdi>").format(text)

    return {"cell": cell}


@bp.get("")
@shop_required
@requires("reports.view")
def index():
    return render_template("reports/index.html")


def _answer(kind: str, fmt: str, *, form, title: str, context: dict, tables_shown: list[tables.Table],
            csv_table: tables.Table | None, name: str):
    """The report as the page, its CSV or its PDF."""
    shop = current_shop()
    if fmt == "csv":
        return csv_response(f"{name}.csv", [column.label for column in csv_table.columns],
                            csv_table.csv_rows(shop.currency))
    if fmt == "pdf":
        # In the member's own language (not a customer's): the report is for the shop.
        logo = pdf.logo_for(shop)
        html = pdf.render_html(
            "pdf/report.html", locale=str(get_locale() or "en"), shop=shop, logo=logo, currency=shop.currency,
            title=title, tables=tables_shown, kind=kind, cell=_pdf_cell(shop),
            **{"today": clock.shop_today(shop), **context},
        )
        return pdf.respond(pdf.PdfDocument(html=html, filename=f"{name}.pdf", logo=logo))
    return render(f"reports/{kind}.html", "reports/_report.html", form=form, title=title, tables=tables_shown,
                  kind=kind, **context)


def _pdf_cell(shop):
    """A table cell for the PDF: numbers kept left to right inside Urdu, typed text in its own direction."""

    def cell(value, kind: str):
        text = tables.display_cell(value, kind, shop.currency, shop.country)
        if value is None:
            return ""
        if kind == tables.TEXT:
            return pdf.user_text(text)
        return pdf.ltr(text) if kind in (tables.MONEY, tables.COUNT) else text

    return cell


def _refused(kind: str, form, title: str):
    """The form again with what is wrong next to its field: 422, whatever the format asked."""
    periods = aging_days(form.today) if kind == "aging" else period_choices(form.today)
    return render(f"reports/{kind}.html", "reports/_report.html", status=422, form=form, title=title, tables=[],
                  kind=kind, report=None, facts=([], []), periods=periods, today=form.today)


def _period_name(kind: str, period: reports.Period, by: str | None = None) -> str:
    name = f"{kind}-{period.start.isoformat()}-to-{period.end.isoformat()}"
    return f"{name}-by-{by}" if by else name


# Sales


def _sales(fmt: str):
    shop = current_shop()
    today = clock.shop_today(shop)
    form = GroupedPeriodForm(formdata=request.args, today=today, groups=tables.SALES_GROUP_LABELS)
    title = _("Sales")
    if not form.validate():
        return _refused("sales", form, title)
    by = form.by.data
    limit = None if fmt == "csv" else (PDF_ROWS if fmt == "pdf" else PAGE_ROWS)
    report = reports.sales(shop, form.period, by=by, customer_limit=limit)
    table = tables.sales_table(report, links=fmt != "csv")
    return _answer("sales", fmt, form=form, title=title, tables_shown=[table], csv_table=table,
                   name=_period_name("sales", form.period, by),
                   context={"report": report, "period": form.period, "periods": period_choices(today),
                            "facts": tables.sales_facts(report)})


@bp.get("/sales")
@shop_required
@requires("reports.view")
def sales():
    return _sales("html")


@bp.get("/sales.csv")
@shop_required
@requires("reports.view")
def sales_csv():
    return _sales("csv")


@bp.get("/sales.pdf")
@shop_required
@requires("reports.view")
def sales_pdf():
    return _sales("pdf")


# Payments received


def _payments(fmt: str):
    shop = current_shop()
    today = clock.shop_today(shop)
    form = GroupedPeriodForm(formdata=request.args, today=today, groups=tables.PAYMENT_GROUP_LABELS,
                             timeless="method")
    title = _("Payments received")
    if not form.validate():
        return _refused("payments", form, title)
    report = reports.payments_received(shop, form.period, by=form.by.data)
    shown = [tables.payments_table(report)]
    if report.by != "method" and report.methods:
        shown.insert(0, tables.methods_table(report))
    return _answer("payments", fmt, form=form, title=title, tables_shown=shown, csv_table=shown[-1],
                   name=_period_name("payments", form.period, report.by),
                   context={"report": report, "period": form.period, "periods": period_choices(today),
                            "facts": tables.payments_facts(report)})


@bp.get("/payments")
@shop_required
@requires("reports.view")
def payments():
    return _payments("html")


@bp.get("/payments.csv")
@shop_required
@requires("reports.view")
def payments_csv():
    return _payments("csv")


@bp.get("/payments.pdf")
@shop_required
@requires("reports.view")
def payments_pdf():
    return _payments("pdf")


# Receivables aging


def _aging(fmt: str):
    shop = current_shop()
    today = clock.shop_today(shop)
    form = AgingForm(formdata=request.args, today=today)
    title = _("Money owed, by age")
    if not form.validate():
        return _refused("aging", form, title)
    report = reports.aging(shop, on=form.day, today=today)
    limit = None if fmt == "csv" else (PDF_ROWS if fmt == "pdf" else PAGE_ROWS)
    customers = tables.aging_table(report, limit=limit, links=fmt != "csv")
    return _answer("aging", fmt, form=form, title=title,
                   tables_shown=[tables.aging_summary_table(report, today=today), customers], csv_table=customers,
                   name=f"aging-{form.day.isoformat()}",
                   context={"report": report, "today": today, "facts": tables.aging_facts(report, today=today),
                            "periods": aging_days(today)})


@bp.get("/aging")
@shop_required
@requires("reports.view")
def aging():
    return _aging("html")


@bp.get("/aging.csv")
@shop_required
@requires("reports.view")
def aging_csv():
    return _aging("csv")


@bp.get("/aging.pdf")
@shop_required
@requires("reports.view")
def aging_pdf():
    return _aging("pdf")


# Jobs


def _jobs(fmt: str):
    shop = current_shop()
    today = clock.shop_today(shop)
    form = PeriodForm(formdata=request.args, today=today)
    title = _("Jobs")
    if not form.validate():
        return _refused("jobs", form, title)
    report = reports.jobs(shop, form.period, today=today)
    limit = PDF_ROWS if fmt == "pdf" else PAGE_ROWS
    shown = [tables.jobs_summary_table(report), tables.jobs_table(report, only_late=True, limit=limit)]
    # The CSV has every job due in the period and how it went; the page and the PDF list the late ones.
    every = tables.jobs_table(report) if fmt == "csv" else None
    return _answer("jobs", fmt, form=form, title=title, tables_shown=shown, csv_table=every,
                   name=_period_name("jobs", form.period),
                   context={"report": report, "period": form.period, "periods": period_choices(today),
                            "today": today, "facts": tables.jobs_facts(report)})


@bp.get("/jobs")
@shop_required
@requires("reports.view")
def jobs():
    return _jobs("html")


@bp.get("/jobs.csv")
@shop_required
@requires("reports.view")
def jobs_csv():
    return _jobs("csv")


@bp.get("/jobs.pdf")
@shop_required
@requires("reports.view")
def jobs_pdf():
    return _jobs("pdf")
