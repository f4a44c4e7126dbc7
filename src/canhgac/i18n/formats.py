"""Numbers, dates and times as a reader of the chosen language writes them, for the CLI and
the reports alike (one place, so a table and a report never disagree).

Vietnamese groups thousands with dots and writes decimals with a comma (``16.777.216``,
``60,6``) and dates day first (``07/12/2026``); English keeps its own form (``16,777,216``,
``7 Dec 2026``). Babel holds the locale rules. Machine formats (JSON, CSV, ``--format json``)
do not use these: they keep raw numbers and ISO 8601 times.

Times are shown on the readers' clock, Vietnam time: an aware datetime is converted first.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_decimal
from babel.numbers import format_percent as _babel_percent

from canhgac.i18n import current_language

DISPLAY_ZONE = "Asia/Ho_Chi_Minh"

_DATE = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
_DATETIME = {"vi": "HH:mm dd/MM/yyyy (xxx)", "en": "d MMM yyyy, HH:mm (xxx)"}
_DATETIME_SECONDS = {"vi": "HH:mm:ss dd/MM/yyyy (xxx)", "en": "d MMM yyyy, HH:mm:ss (xxx)"}


def _lang(lang: str | None) -> str:
    return lang if lang is not None else current_language()


@cache
def display_zone() -> tzinfo:
    """Vietnam time: the readers' clock (a fixed UTC+7 where the system has no zone data)."""
    try:
        return ZoneInfo(DISPLAY_ZONE)
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=7))


def format_number(
    value: int | float | Decimal, lang: str | None = None, *, decimals: int = 0, fixed: bool = False
) -> str:
    """``16777216`` → ``16.777.216`` (vi) or ``16,777,216`` (en); up to ``decimals`` decimal
    places, none shown when the value is whole (``60,6``, ``100``), or always ``decimals`` of
    them when ``fixed`` (a CVSS score: ``7,0``)."""
    pattern = "#,##0" + ("." + ("0" if fixed else "#") * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=_lang(lang))  # Babel rounds half to even


def format_percent(ratio: float, lang: str | None = None) -> str:
    """``0.875`` → ``88%`` in either language (Babel's rounding and sign placement)."""
    return _babel_percent(ratio, locale=_lang(lang))


def format_date(value: date, lang: str | None = None) -> str:
    """``07/12/2026`` (vi) or ``7 Dec 2026`` (en); a datetime is taken on Vietnam's clock."""
    if isinstance(value, datetime):
        value = _local(value).date()
    return _babel_date(value, _DATE[_lang(lang)], locale=_lang(lang))


def format_datetime(value: datetime, lang: str | None = None, *, seconds: bool = False) -> str:
    """``14:05 07/12/2026 (+07:00)`` (vi) or ``7 Dec 2026, 14:05 (+07:00)`` (en), on Vietnam's
    clock when ``value`` is aware (a naive one is shown as it is)."""
    local = _local(value)
    patterns = _DATETIME_SECONDS if seconds else _DATETIME
    return _babel_datetime(local, patterns[_lang(lang)], tzinfo=local.tzinfo, locale=_lang(lang))


def _local(value: datetime) -> datetime:
    return value.astimezone(display_zone()) if value.tzinfo is not None else value
