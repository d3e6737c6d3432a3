"""The time, in one place, so that tests can set it and every shop sees its own today."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from ..models import Shop


def now() -> datetime:
    """The current moment, in UTC."""
    return datetime.now(timezone.utc)


def shop_now(shop: Shop) -> datetime:
    """The current moment on the shop's wall clock."""
    return now().astimezone(ZoneInfo(shop.timezone))


def shop_today(shop: Shop) -> date:
    """Today's date where the shop is (a Karachi shop's day starts at 19:00 UTC)."""
    return shop_now(shop).date()
