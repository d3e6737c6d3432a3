"""Each report as tables: the same columns and rows for the page, the CSV and the PDF.

A cell holds a plain value of a kind (text, money in minor units, a count, a date, a month) and each
output writes it its own way: the page and the PDF through Babel in the member's language, the CSV as a
spreadsheet reads it (1500.50, 2026-11-21). A row may name the list behind it, which the page links to.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from babel.dates import format_skeleton
from flask import url_for
from flask_babel import format_date, format_number, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...i18n import isolated
from ...services import payments as payment_service
from ...services import reports
from ...services.csv_export import money as csv_money
from ...services.invoices import Selection
from ...services.money import format_money

TEXT, MONEY, COUNT, DATE, MONTH = "text", "money", "count", "date", "month"

AGING_LABELS = {
    "current": _l("Not yet due"),
    "1_30": _l("1–30 days"),
    "31_60": _l("31–60 days"),
    "61_90": _l("61–90 days"),
    "over_90": _l("Over 90 days"),
}
OUTCOME_LABELS = {
    "on_time": _l("On time"),
    "late": _l("Done late"),
    "overdue": _l("Late, not done"),
    "open": _l("Not yet due"),
}
SALES_GROUP_LABELS = {"day": _l("By day"), "month": _l("By month"), "customer": _l("By customer")}
PAYMENT_GROUP_LABELS = {"method": _l("By way of payment"), "day": _l("By day"), "month": _l("By month")}


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = TEXT


@dataclass(frozen=True)
class Row:
    cells: tuple
    href: str | None = None  # the list behind the row, on the page


@dataclass(frozen=True)
class Table:
    key: str  # names the table in ids and classes
    caption: str
    columns: list[Column]
    rows: list[Row]
    footer: Row | None = None  # the totals
    notes: list[str] = field(default_factory=list)  # what is left out, and why

    def csv_rows(self, currency: str) -> list[list]:
        rows = [[csv_cell(value, column.kind, currency) for value, column in zip(row.cells, self.columns)]
                for row in self.rows]
        if self.footer is not None:
            rows.append([csv_cell(value, column.kind, currency) for value, column in zip(self.footer.cells,
                                                                                          self.columns)])
        return rows


def csv_cell(value, kind: str, currency: str):
    """A cell as the CSV writer wants it: amounts exact in major units, months as 2026-11."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if kind == MONEY:
        return csv_money(value, currency)
    if kind == MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value if kind != TEXT else str(value)


def month_text(first: date) -> str:
    return format_skeleton("yMMM", first, locale=str(get_locale() or "en"))


def display_cell(value, kind: str, currency: str, territory: str | None) -> str:
    """A cell in words for the page and the PDF, in the member's language."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if kind == MONEY:
        return format_money(value, currency, territory=territory)
    if kind == COUNT:
        return format_number(value)
    if kind == DATE:
        return format_date(value, "medium")
    if kind == MONTH:
        return month_text(value)
    return str(value)


def _iso(day: date) -> str:
    return day.isoformat()


# Links to the lists behind the figures.


def invoices_between(start: date, end: date, **extra) -> str:
    return url_for("invoices.index", **{"from": _iso(start), "to": _iso(end)}, **extra)


def sales_between(start: date, end: date, **extra) -> str:
    """The invoices a sales figure counts: issued between the two days, paid or not (no drafts, no voids)."""
    return invoices_between(start, end, status=Selection.ISSUED.value, **extra)


def payments_between(start: date, end: date, **extra) -> str:
    return url_for("payments.index", date_from=_iso(start), date_to=_iso(end), **extra)


# Each age bucket as the fewest and the most days past due (None: no limit); "current" is not yet due.
AGING_DAYS = {"current": (None, 0), "1_30": (1, 30), "31_60": (31, 60), "61_90": (61, 90), "over_90": (91, None)}


def unpaid_by_age(bucket: str, today: date) -> str:
    """The unpaid invoices in one age bucket: those whose due date puts them that many days past due."""
    fewest, most = AGING_DAYS[bucket]
    due_from = today - timedelta(days=most) if most is not None else None
    due_to = today - timedelta(days=fewest) if fewest is not None else None
    return url_for("invoices.index", status=Selection.UNPAID.value,
                   due_from=_iso(due_from) if due_from else None, due_to=_iso(due_to) if due_to else None)


# The reports' tables.


def _bucket_rows(found: list[reports.Bucket], link) -> list[Row]:
    return [Row((bucket.start, bucket.count, bucket.total_minor), link(bucket.start, bucket.end)) for bucket in found]


def sales_table(report: reports.SalesReport, *, links: bool = True) -> Table:
    """The sales by day, month or customer; `links` off for a file, which has no use for them."""
    totals = report.totals
    if report.by == "customer":
        period = report.period
        rows = [Row((entry.name, entry.count, entry.total_minor, entry.due_minor),
                    sales_between(period.start, period.end, customer_id=entry.customer_id) if links else None)
                for entry in report.customers]
        notes = []
        hidden = report.customer_count - len(report.customers)
        if hidden > 0:
            notes.append(ngettext("%(num)d more customer bought in this period; the CSV has every one.",
                                  "%(num)d more customers bought in this period; the CSV has every one.", hidden))
        return Table(
            key="sales-customers", caption=_("Sales by customer"),
            columns=[Column(_("Customer")), Column(_("Invoices"), COUNT), Column(_("Sales"), MONEY),
                     Column(_("Still due"), MONEY)],
            rows=rows, footer=Row((_("Total"), totals.count, totals.total_minor, totals.due_minor)), notes=notes,
        )
    kind = DATE if report.by == "day" else MONTH
    return Table(
        key=f"sales-{report.by}", caption=_("Sales by day") if report.by == "day" else _("Sales by month"),
        columns=[Column(_("Day") if report.by == "day" else _("Month"), kind), Column(_("Invoices"), COUNT),
                 Column(_("Sales"), MONEY)],
        rows=_bucket_rows(report.buckets, sales_between),
        footer=Row((_("Total"), totals.count, totals.total_minor)),
    )


def methods_table(report: reports.PaymentsReport) -> Table:
    period = report.period
    return Table(
        key="payments-methods", caption=_("Payments by way of payment"),
        columns=[Column(_("Paid by")), Column(_("Payments"), COUNT), Column(_("Amount received"), MONEY)],
        rows=[Row((str(payment_service.METHOD_LABELS[entry.method]), entry.count, entry.total_minor),
                  payments_between(period.start, period.end, method=entry.method.value))
              for entry in report.methods],
        footer=Row((_("Total"), report.totals.count, report.totals.total_minor)),
    )


def payments_table(report: reports.PaymentsReport) -> Table:
    """The table the chosen grouping asks for: by way of payment, by day or by month."""
    if report.by == "method":
        return methods_table(report)
    kind = DATE if report.by == "day" else MONTH
    return Table(
        key=f"payments-{report.by}",
        caption=_("Payments by day") if report.by == "day" else _("Payments by month"),
        columns=[Column(_("Day") if report.by == "day" else _("Month"), kind), Column(_("Payments"), COUNT),
                 Column(_("Amount received"), MONEY)],
        rows=_bucket_rows(report.buckets, payments_between),
        footer=Row((_("Total"), report.totals.count, report.totals.total_minor)),
    )


def aging_summary_table(report: reports.AgingReport, *, today: date) -> Table:
    """What is owed in each age bucket, each linking to its unpaid invoices while that list is today's."""
    now = report.on == today
    return Table(
        key="aging-buckets", caption=_("Owed by how long past due"),
        columns=[Column(_("Past due")), Column(_("Invoices"), COUNT), Column(_("Owed"), MONEY)],
        rows=[Row((str(AGING_LABELS[bucket]), report.counts[bucket], report.amounts[bucket]),
                  unpaid_by_age(bucket, today) if now and report.counts[bucket] else None)
              for bucket in reports.AGING_BUCKETS],
        footer=Row((_("Total"), report.count, report.total_minor)),
    )


def aging_table(report: reports.AgingReport, *, limit: int | None = None, links: bool = True) -> Table:
    """Each customer's open invoices by age, the largest total first."""
    shown = report.customers if limit is None else report.customers[:limit]
    notes = []
    if len(report.customers) > len(shown):
        notes.append(ngettext("%(num)d more customer owes; the CSV has every one.",
                              "%(num)d more customers owe; the CSV has every one.", len(report.customers) - len(shown)))
    return Table(
        key="aging-customers", caption=_("Owed by customer"),
        columns=[Column(_("Customer")), *(Column(str(AGING_LABELS[bucket]), MONEY) for bucket in reports.AGING_BUCKETS),
                 Column(_("Total"), MONEY)],
        rows=[Row((row.name, *(row.amounts[bucket] for bucket in reports.AGING_BUCKETS), row.total_minor),
                  url_for("customers.show", customer_id=row.customer_id) if links else None)
              for row in shown],
        footer=Row((_("Total"), *(report.amounts[bucket] for bucket in reports.AGING_BUCKETS), report.total_minor)),
        notes=notes,
    )


def jobs_summary_table(report: reports.JobsReport) -> Table:
    """How the jobs due in the period went: on time, late, not done."""
    rows = [Row((str(OUTCOME_LABELS[outcome]), report.count(outcome)))
            for outcome in ("on_time", "late", "overdue", "open")]
    return Table(key="jobs-due-summary", caption=_("Jobs due in this period"),
                 columns=[Column(_("How it went")), Column(_("Jobs"), COUNT)], rows=rows,
                 footer=Row((_("Total"), len(report.due))))


def jobs_table(report: reports.JobsReport, *, only_late: bool = False, limit: int | None = None) -> Table:
    """The jobs due in the period and how each went (the page lists only the late ones)."""
    chosen = report.late if only_late else report.due
    shown = chosen if limit is None else chosen[:limit]
    notes = []
    if len(chosen) > len(shown):
        notes.append(ngettext("%(num)d more late job; the CSV has every one.",
                              "%(num)d more late jobs; the CSV has every one.", len(chosen) - len(shown)))
    return Table(
        key="jobs-late" if only_late else "jobs-due",
        caption=_("Late jobs") if only_late else _("Jobs due in this period"),
        columns=[Column(_("Job")), Column(_("Customer")), Column(_("Due date"), DATE), Column(_("Done on"), DATE),
                 Column(_("Days late"), COUNT), Column(_("How it went"))],
        rows=[Row((job.title, job.customer_name, job.due_date, job.done_on, job.days_late or None,
                   str(OUTCOME_LABELS[job.outcome])), url_for("jobs.show", job_id=job.job_id))
              for job in shown],
        notes=notes,
    )


# The headline figures above the tables.


@dataclass(frozen=True)
class Fact:
    label: str
    value: object
    kind: str = MONEY
    href: str | None = None  # the list behind the figure
    tone: str = ""  # "due" for money still owed


def sales_facts(report: reports.SalesReport) -> tuple[list[Fact], list[str]]:
    totals, period = report.totals, report.period
    facts = [
        Fact(_("Sales"), totals.total_minor, MONEY, sales_between(period.start, period.end)),
        Fact(_("Invoices"), totals.count, COUNT, sales_between(period.start, period.end)),
        Fact(_("Average invoice"), totals.average_minor),
        Fact(_("Still unpaid on these"), totals.due_minor, tone="due" if totals.due_minor > 0 else ""),
    ]
    if totals.tax_minor:
        facts.append(Fact(_("Tax included"), totals.tax_minor))
    notes = [ngettext("Drafts are not sales, and %(num)d voided invoice worth %(amount)s is left out.",
                      "Drafts are not sales, and %(num)d voided invoices worth %(amount)s are left out.",
                      totals.void_count, amount=_money_text(totals.void_minor))] if totals.void_count else []
    return facts, notes


def payments_facts(report: reports.PaymentsReport) -> tuple[list[Fact], list[str]]:
    totals, period = report.totals, report.period
    facts = [
        Fact(_("Amount received"), totals.total_minor, MONEY, payments_between(period.start, period.end)),
        Fact(_("Payments"), totals.count, COUNT, payments_between(period.start, period.end)),
    ]
    notes = [ngettext("%(num)d voided payment worth %(amount)s is left out.",
                      "%(num)d voided payments worth %(amount)s are left out.",
                      totals.void_count, amount=_money_text(totals.void_minor))] if totals.void_count else []
    return facts, notes


def aging_facts(report: reports.AgingReport, *, today: date) -> tuple[list[Fact], list[str]]:
    now = report.on == today
    overdue = report.total_minor - report.amounts["current"]
    facts = [
        Fact(_("Owed on open invoices"), report.total_minor, MONEY,
             url_for("customers.owing", order="age") if now else None),
        Fact(_("Past due"), overdue, MONEY, url_for("invoices.index", status="overdue") if now else None,
             tone="due" if overdue > 0 else ""),
        Fact(_("Customers who owe"), len(report.customers), COUNT),
        Fact(_("Open invoices"), report.count, COUNT),
    ]
    return facts, [_("Credit a customer holds (money paid but not yet set against an invoice) is not taken off.")]


def jobs_facts(report: reports.JobsReport) -> tuple[list[Fact], list[str]]:
    late = report.count("late") + report.count("overdue")
    facts = [
        Fact(_("Taken in"), report.taken_in, COUNT),
        Fact(_("Completed"), report.completed, COUNT),
        Fact(_("Delivered"), report.delivered, COUNT),
        Fact(_("Late"), late, COUNT, tone="due" if late else ""),
    ]
    return facts, [_("A job is on time when it was marked completed on or before its due date.")]


def _money_text(minor: int) -> str:
    from ...tenancy import current_shop

    shop = current_shop()
    return isolated(format_money(minor, shop.currency, territory=shop.country))
