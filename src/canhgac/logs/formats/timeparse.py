"""Turning the time stamps that logs write into aware UTC datetimes, fast.

Every parser calls these for every line, so they avoid ``strptime`` (tens of microseconds) and
remember the last stamp they converted: a busy log writes many lines per second, and a repeated
stamp costs one string comparison. Stamps with an offset (nginx's ``$time_local``, RFC 3339)
carry their zone; stamps without one (classic syslog, Zimbra) are read in the zone the caller
says the log is written in (:class:`~canhgac.logs.records.ParseContext`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from canhgac.logs.records import MalformedLineError

MONTHS = {
    "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
    "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}  # fmt: skip


def local_to_utc(
    year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int, tz: tzinfo
) -> datetime:
    """A wall-clock time in ``tz`` as aware UTC; raises MalformedLineError for an impossible date."""
    try:
        if tz is UTC:
            return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz).astimezone(UTC)
    except ValueError as exc:  # 31 Feb, hour 25...
        raise MalformedLineError(str(exc)) from None


def _offset(text: str) -> timedelta:
    """``+0700``, ``+07:00``, ``-05``, ``Z`` as the offset it names."""
    if text in ("Z", "z", ""):
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    if not digits.isdigit() or len(digits) not in (2, 4) or text[0] not in "+-":
        raise MalformedLineError(f"bad offset {text!r}")
    hours = int(digits[:2])
    minutes = int(digits[2:] or 0)
    return sign * timedelta(hours=hours, minutes=minutes)


class ClfTime:
    """Common Log Format stamps, ``07/Dec/2026:22:10:01 +0700`` (nginx, Apache)."""

    __slots__ = ("_dt", "_last")

    def __init__(self) -> None:
        self._last = ""
        self._dt = datetime(1970, 1, 1, tzinfo=UTC)

    def __call__(self, text: str) -> datetime:
        if text == self._last:
            return self._dt
        try:
            day = int(text[0:2])
            month = MONTHS[text[3:6]]
            year = int(text[7:11])
            hour, minute, second = int(text[12:14]), int(text[15:17]), int(text[18:20])
            if text[2] != "/" or text[6] != "/" or text[11] != ":" or text[20] != " ":
                raise ValueError(text)
            naive = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except (KeyError, ValueError, IndexError):
            raise MalformedLineError(f"bad time {text!r}") from None
        self._dt = naive - _offset(text[21:])
        self._last = text
        return self._dt


class IsoTime:
    """ISO 8601 / RFC 3339 stamps: ``2026-12-07T22:10:01.123456+07:00``, ``2026-12-07 22:10:01``
    (IIS, in UTC), ``2026-12-07T15:10:01.123Z`` (Exchange). A stamp without an offset is read in
    the zone given to the call."""

    __slots__ = ("_dt", "_last", "_tz")

    def __init__(self) -> None:
        self._last = ""
        self._tz: tzinfo = UTC
        self._dt = datetime(1970, 1, 1, tzinfo=UTC)

    def __call__(self, text: str, tz: tzinfo = UTC) -> datetime:
        if text == self._last and tz is self._tz:
            return self._dt
        try:
            year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
            hour, minute, second = int(text[11:13]), int(text[14:16]), int(text[17:19])
            if text[4] != "-" or text[7] != "-" or text[10] not in "T " or text[13] != ":":
                raise ValueError(text)
        except (ValueError, IndexError):
            raise MalformedLineError(f"bad time {text!r}") from None
        rest = text[19:]
        micro = 0
        if rest[:1] in (".", ","):
            end = 1
            while end < len(rest) and rest[end].isdigit():
                end += 1
            frac = rest[1:end]
            if not frac:
                raise MalformedLineError(f"bad time {text!r}")
            micro = int((frac + "000000")[:6])
            rest = rest[end:]
        if rest:
            dt = local_to_utc(year, month, day, hour, minute, second, micro, UTC) - _offset(rest)
        else:
            dt = local_to_utc(year, month, day, hour, minute, second, micro, tz)
        self._last, self._tz, self._dt = text, tz, dt
        return dt


class SyslogTime:
    """Classic syslog stamps, ``Dec  7 22:10:01``: no year, no zone.

    The year comes from the context; a file that runs across New Year (December lines, then
    January ones) moves to the next year when the month falls back by more than half a year, and
    a straggler from the old year (a January file with one late December line) gets the year
    before. Remembered per source, for a bounded number of sources.
    """

    MAX_SOURCES = 4096

    __slots__ = ("_dt", "_key", "_state")

    def __init__(self) -> None:
        self._key: tuple[str, str, int, tzinfo] = ("", "", 0, UTC)
        self._dt = datetime(1970, 1, 1, tzinfo=UTC)
        self._state: dict[str, list[int]] = {}  # source -> [context year, year now, last month]

    def __call__(self, text: str, source: str, year: int, tz: tzinfo) -> datetime:
        key = (text, source, year, tz)
        if key == self._key:
            return self._dt
        try:
            month = MONTHS[text[0:3]]
            day = int(text[4:6])
            hour, minute, second = int(text[7:9]), int(text[10:12]), int(text[13:15])
            if text[3] != " " or text[9] != ":" or text[12] != ":":
                raise ValueError(text)
        except (KeyError, ValueError, IndexError):
            raise MalformedLineError(f"bad time {text!r}") from None
        state = self._state.get(source)
        if state is None or state[0] != year:
            if len(self._state) >= self.MAX_SOURCES:
                del self._state[next(iter(self._state))]
            state = self._state[source] = [year, year, month]
        line_year = state[1]
        if month < state[2] - 6:  # December -> January: a new year
            state[1] += 1
            line_year = state[1]
            state[2] = month
        elif month > state[2] + 6:  # a line from the year before, out of order
            line_year -= 1
        else:
            state[2] = month
        self._dt = local_to_utc(line_year, month, day, hour, minute, second, 0, tz)
        self._key = key
        return self._dt
