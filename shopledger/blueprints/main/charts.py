"""The home page's sales chart: the last 30 days or 12 months of sales, as bars drawn on the server."""
from __future__ import annotations

from datetime import date

from flask_babel import format_number, format_percent, get_locale, ngettext

from ... import svg_chart
from ...i18n import text_direction
from ...models import Shop
from ...services import dashboard
from ...services.money import format_money
from ...services.reports import Bucket
from . import bp


def sales_chart(shop: Shop, *, today: date, span: str) -> svg_chart.BarChart:
    """The chart in the member's language: in Urdu the days run from right to left."""

    def describe(bucket: Bucket, label: str) -> str:
        amount = format_money(bucket.total_minor, shop.currency, territory=shop.country)
        return ngettext("%(when)s: %(amount)s from %(num)d invoice", "%(when)s: %(amount)s from %(num)d invoices",
                        bucket.count, when=label, amount=amount)

    buckets = dashboard.sales_series(shop, today=today, span=span)
    rtl = text_direction(str(get_locale() or "en")) == "rtl"
    return svg_chart.sales_chart(buckets, span=span, today=today, rtl=rtl, currency=shop.currency,
                                 territory=shop.country, describe=describe)


@bp.context_processor
def dashboard_helpers():
    return {
        "chart_label": lambda bucket, span, full=False: (
            svg_chart.full_label(bucket, span) if full
            else svg_chart.day_label(bucket.start) if span == "days" else svg_chart.month_label(bucket.start)),
        "month_and_year": svg_chart.month_year_label,
        "format_number": format_number,
        "format_percent": format_percent,
    }
