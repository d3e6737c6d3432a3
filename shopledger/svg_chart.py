"""Bar charts worked out on the server and drawn as inline SVG: no script, no style attribute, either direction.

The geometry is plain numbers in a fixed viewBox that the page scales to its width. In a right-to-left
language time runs from right to left, so the bars are laid out mirrored; the text keeps its own
direction (the template sets it) and numbers stay as Babel writes them.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from babel.dates import format_skeleton
from babel.numbers import format_compact_currency
from flask_babel import get_locale

from .services.money import format_money, from_minor, minor_digits
from .services.reports import Bucket

WIDTH = 360
HEIGHT = 200
TOP = 22  # room above the highest grid line for its label
BOTTOM = 26  # room under the bars for the time axis
SIDE = 20  # room at either end, so an end label is not cut off
BAR_SHARE = 0.7  # of each bar's slot; the rest is the gap


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int  # minor units
    bucket: Bucket
    label: str  # the day or month, written out
    title: str  # what a tooltip and a screen reader's table say
    current: bool  # today, or this month


@dataclass(frozen=True)
class GridLine:
    y: float
    value: int
    label: str


@dataclass(frozen=True)
class AxisLabel:
    x: float
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    grid: list[GridLine]
    axis: list[AxisLabel]
    rtl: bool
    top_minor: int  # the value of the highest grid line

    @property
    def total_minor(self) -> int:
        return sum(bar.value for bar in self.bars)

    @property
    def highest(self) -> Bar | None:
        best = max(self.bars, key=lambda bar: bar.value, default=None)
        return best if best is not None and best.value > 0 else None


def nice_scale(highest: int, *, lines: int = 4, smallest_step: int = 1) -> tuple[int, int]:
    """A round top for the axis and the step between grid lines (1, 2, 2.5 or 5 times a power of ten): the lowest
    top with at most `lines` grid lines above zero, and of those the one with the most lines."""
    if highest <= 0:
        return smallest_step * lines, smallest_step
    power = 10 ** math.floor(math.log10(highest / lines))
    candidates = []
    for scale in (power / 10, power, power * 10):
        for factor in (1, 2, 2.5, 5):
            step = max(smallest_step, math.ceil(factor * scale))
            top = step * math.ceil(highest / step)
            if top // step <= lines:
                candidates.append((top, -(top // step), step))
    top, _, step = min(candidates)
    return top, step


def bar_chart(buckets: Sequence[Bucket], *, rtl: bool, label: Callable[[Bucket], str],
              title: Callable[[Bucket], str], tick: Callable[[int], str], labelled: Callable[[int], bool],
              current: Callable[[Bucket], bool], smallest_step: int = 1) -> BarChart:
    """Lay the buckets out as bars, oldest first in reading order; label the buckets `labelled(index)` picks."""
    plot_top, baseline = TOP, HEIGHT - BOTTOM
    plot_height = baseline - plot_top
    top, step = nice_scale(max((bucket.total_minor for bucket in buckets), default=0), smallest_step=smallest_step)
    slot = (WIDTH - 2 * SIDE) / max(len(buckets), 1)
    width = max(slot * BAR_SHARE, 1.5)
    bars, axis = [], []
    for index, bucket in enumerate(buckets):
        position = len(buckets) - 1 - index if rtl else index
        centre = SIDE + slot * position + slot / 2
        value = max(bucket.total_minor, 0)
        height = value / top * plot_height if top else 0
        if value > 0:
            height = max(height, 1.0)  # a small day still shows
        bars.append(Bar(x=round(centre - width / 2, 2), y=round(baseline - height, 2), width=round(width, 2),
                        height=round(height, 2), value=bucket.total_minor, bucket=bucket, label=label(bucket),
                        title=title(bucket), current=current(bucket)))
        if labelled(index):
            axis.append(AxisLabel(x=round(centre, 2), text=label(bucket)))
    grid = [GridLine(y=round(baseline - step * number / top * plot_height, 2), value=step * number,
                     label=tick(step * number))
            for number in range(0, top // step + 1)]
    return BarChart(width=WIDTH, height=HEIGHT, baseline=baseline, bars=bars, grid=grid, axis=axis, rtl=rtl,
                    top_minor=top)


# The dashboard's sales chart, in the member's language.


def _locale() -> str:
    return str(get_locale() or "en")


def day_label(day: date) -> str:
    return format_skeleton("MMMd", day, locale=_locale())


def month_label(first: date) -> str:
    return format_skeleton("MMM", first, locale=_locale())


def month_year_label(first: date) -> str:
    return format_skeleton("yMMM", first, locale=_locale())


def compact_money(minor: int, currency: str, territory: str | None) -> str:
    """An axis label: "Rs 25K", "Rs 1 لاکھ"; whole amounts under a thousand as they are."""
    amount = from_minor(minor, currency)
    if abs(amount) < 1000:
        return format_money(minor, currency, territory=territory)
    language = _locale().split("_")[0]
    locale = f"{language}_{territory}" if territory else language
    try:
        return format_compact_currency(amount, currency, locale=locale, fraction_digits=1)
    except Exception:  # noqa: BLE001 - a territory Babel lacks for the language: the language alone
        return format_compact_currency(amount, currency, locale=language, fraction_digits=1)


def sales_chart(buckets: Sequence[Bucket], *, span: str, today: date, rtl: bool, currency: str,
                territory: str | None, describe: Callable[[Bucket, str], str]) -> BarChart:
    """The sales chart: 30 days labelled once a week back from today, or 12 months labelled every other one
    back from this one. `describe(bucket, label)` says one bar in words."""
    last = len(buckets) - 1
    if span == "days":
        label, every = (lambda bucket: day_label(bucket.start)), 7
        is_current = (lambda bucket: bucket.start == today)
    else:
        label, every = (lambda bucket: month_label(bucket.start)), 2
        is_current = (lambda bucket: bucket.start <= today <= bucket.end)
    smallest = 10 ** minor_digits(currency)  # grid lines at whole rupees at least
    return bar_chart(
        buckets, rtl=rtl, label=label, title=lambda bucket: describe(bucket, full_label(bucket, span)),
        tick=lambda minor: compact_money(minor, currency, territory),
        labelled=lambda index: (last - index) % every == 0, current=is_current, smallest_step=smallest,
    )


def full_label(bucket: Bucket, span: str) -> str:
    if span == "days":
        return format_skeleton("yMMMEd", bucket.start, locale=_locale())
    return month_year_label(bucket.start)
