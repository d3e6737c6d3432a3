"""The server-drawn bar chart: round grid lines, bars as tall as their values, time in the reading direction."""
from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from shopledger import svg_chart
from shopledger.services.reports import Bucket

TODAY = date(2026, 11, 21)


def days(values: list[int]) -> list[Bucket]:
    first = TODAY - timedelta(days=len(values) - 1)
    return [Bucket(first + timedelta(days=index), first + timedelta(days=index), 1 if value else 0, value)
            for index, value in enumerate(values)]


@pytest.mark.parametrize("highest, top, step", [
    (0, 400, 100), (1, 100, 100), (3500_00, 400_000, 100_000), (4600_00, 500_000, 250_000),
    (1_234_567_00, 150_000_000, 50_000_000), (999_999, 1_000_000, 250_000),
])
def test_the_scale_is_round_and_reaches_the_highest_value(highest, top, step):
    got_top, got_step = svg_chart.nice_scale(highest, smallest_step=100)
    assert got_top >= highest and got_top % got_step == 0 and got_top // got_step <= 5
    assert (got_top, got_step) == (top, step)
    first_digits = int(str(got_step).rstrip("0") or 0)
    assert first_digits in (1, 2, 25, 5)


def draw(values, *, rtl=False, labelled=lambda index: True):
    return svg_chart.bar_chart(
        days(values), rtl=rtl, label=lambda bucket: bucket.start.isoformat(), title=lambda bucket: "",
        tick=str, labelled=labelled, current=lambda bucket: bucket.start == TODAY, smallest_step=100,
    )


def test_each_bar_is_as_tall_as_its_value_against_the_top():
    chart = draw([0, 100_00, 400_00, 250_00])
    plot = chart.baseline - svg_chart.TOP
    assert chart.top_minor == 400_00
    assert [bar.height for bar in chart.bars] == [0, pytest.approx(plot / 4, abs=0.01), plot,
                                                  pytest.approx(plot * 0.625, abs=0.01)]
    assert all(bar.y + bar.height == pytest.approx(chart.baseline, abs=0.01) for bar in chart.bars)
    assert [line.value for line in chart.grid] == [0, 100_00, 200_00, 300_00, 400_00]
    assert chart.grid[0].y == chart.baseline and chart.grid[-1].y == svg_chart.TOP
    assert chart.bars[-1].current and not chart.bars[0].current
    assert chart.total_minor == 750_00 and chart.highest.value == 400_00


def test_a_tiny_value_still_shows_and_nothing_draws_nothing():
    chart = draw([1_000_000_00, 1])
    assert chart.bars[1].height == 1.0
    empty = draw([0, 0, 0])
    assert all(bar.height == 0 for bar in empty.bars) and empty.highest is None


def test_right_to_left_mirrors_the_bars_and_keeps_their_sizes():
    values = [100_00, 200_00, 300_00]
    ltr, rtl = draw(values), draw(values, rtl=True)
    assert [bar.x for bar in ltr.bars] == sorted(bar.x for bar in ltr.bars)
    assert [bar.x for bar in rtl.bars] == sorted((bar.x for bar in rtl.bars), reverse=True)
    for left, right in zip(ltr.bars, rtl.bars):
        assert left.height == right.height
        assert left.x + left.width / 2 == pytest.approx(svg_chart.WIDTH - (right.x + right.width / 2), abs=0.01)
    assert [label.x for label in rtl.axis] == sorted((label.x for label in rtl.axis), reverse=True)


def test_every_bar_fits_inside_the_chart():
    chart = draw(list(range(0, 30_000_00, 1_000_00)))
    for bar in chart.bars:
        assert 0 <= bar.x and bar.x + bar.width <= svg_chart.WIDTH and bar.y >= 0


def test_the_sales_chart_labels_every_week_back_from_today_in_the_members_language(app):
    buckets = days([0] * 29 + [700_00])
    with app.test_request_context(), force_locale("en"):
        chart = svg_chart.sales_chart(buckets, span="days", today=TODAY, rtl=False, currency="PKR", territory="PK",
                                      describe=lambda bucket, label: label)
        assert [label.text for label in chart.axis] == ["Oct 24", "Oct 31", "Nov 7", "Nov 14", "Nov 21"]
        assert chart.grid[1].label == "Rs\xa0250" and chart.bars[-1].title == "Sat, Nov 21, 2026"
    with app.test_request_context(), force_locale("ur"):
        chart = svg_chart.sales_chart(buckets, span="days", today=TODAY, rtl=True, currency="PKR", territory="PK",
                                      describe=lambda bucket, label: label)
        assert chart.axis[-1].text == "21 نومبر" and chart.axis[-1].x < chart.axis[0].x


def test_axis_amounts_are_short_the_way_the_language_says_them(app):
    with app.test_request_context(), force_locale("en"):
        assert svg_chart.compact_money(25_000_00, "PKR", "PK") == "Rs25K"
        assert svg_chart.compact_money(500_00, "PKR", "PK") == "Rs\xa0500"
    with app.test_request_context(), force_locale("ur"):
        assert svg_chart.compact_money(1_00_000_00, "PKR", "PK") == "Rs\xa01\xa0لاکھ"
