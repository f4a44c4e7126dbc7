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


SECONDS = tuple(timedelta(seconds=s) for s in range(61))  # 60: a leap second, as logs may write it


def _second(text: str) -> int:
    if len(text) != 2 or not text.isdigit() or text > "60":
        raise MalformedLineError(f"bad seconds {text!r}")
    return int(text)


class ClfTime:
    """Common Log Format stamps, ``07/Dec/2026:22:10:01 +0700`` (nginx, Apache). Remembers the
    last stamp and the last minute: a new second costs one addition."""

    __slots__ = ("_base", "_dt", "_last", "_minute")

    def __init__(self) -> None:
        self._last = self._minute = ""
        self._dt = self._base = datetime(1970, 1, 1, tzinfo=UTC)

    def __call__(self, text: str) -> datetime:
        if text == self._last:
            return self._dt
        minute = text[:17] + text[20:]
        if minute != self._minute:
            try:
                day = int(text[0:2])
                month = MONTHS[text[3:6]]
                year = int(text[7:11])
                hour, mins = int(text[12:14]), int(text[15:17])
                if text[2] != "/" or text[6] != "/" or text[11] != ":" or text[17] != ":" or text[20] != " ":
                    raise ValueError(text)
                naive = datetime(year, month, day, hour, mins, tzinfo=UTC)
            except (KeyError, ValueError, IndexError):
                raise MalformedLineError(f"bad time {text!r}") from None
            self._base = naive - _offset(text[21:])
            self._minute = minute
        self._dt = self._base + SECONDS[_second(text[18:20])]
        self._last = text
        return self._dt


class IsoTime:
    """ISO 8601 / RFC 3339 stamps: ``2026-12-07T22:10:01.123456+07:00``, ``2026-12-07 22:10:01``
    (IIS, in UTC), ``2026-12-07T15:10:01.123Z`` (Exchange). A stamp without an offset is read in
    the zone given to the call. Remembers the last minute."""

    __slots__ = ("_base", "_minute")

    def __init__(self) -> None:
        self._minute: tuple[str, str, tzinfo | None] = ("", "", None)
        self._base = datetime(1970, 1, 1, tzinfo=UTC)

    def __call__(self, text: str, tz: tzinfo = UTC) -> datetime:
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
        second = _second(text[17:19])
        minute = (text[:16], rest, tz)
        if minute != self._minute:
            try:
                year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
                hour, mins = int(text[11:13]), int(text[14:16])
                if (
                    text[4] != "-"
                    or text[7] != "-"
                    or text[10] not in "T "
                    or text[13] != ":"
                    or text[16] != ":"
                ):
                    raise ValueError(text)
            except (ValueError, IndexError):
                raise MalformedLineError(f"bad time {text!r}") from None
            if rest:
                self._base = local_to_utc(year, month, day, hour, mins, 0, 0, UTC) - _offset(rest)
            else:
                self._base = local_to_utc(year, month, day, hour, mins, 0, 0, tz)
            self._minute = minute
        if micro:
            return self._base + SECONDS[second] + timedelta(microseconds=micro)
        return self._base + SECONDS[second]


class SyslogTime:
    """Classic syslog stamps, ``Dec  7 22:10:01``: no year, no zone.

    The year comes from the context; a file that runs across New Year (December lines, then
    January ones) moves to the next year when the month falls back by more than half a year, and
    a straggler from the old year (a January file with one late December line) gets the year
    before. Remembered per source, for a bounded number of sources; the last minute is cached.
    """

    MAX_SOURCES = 4096

    __slots__ = ("_base", "_key", "_state")

    def __init__(self) -> None:
        self._key: tuple[str, str, int, tzinfo | None] = ("", "", 0, None)
        self._base = datetime(1970, 1, 1, tzinfo=UTC)
        self._state: dict[str, list[int]] = {}  # source -> [context year, year now, last month]

    def __call__(self, text: str, source: str, year: int, tz: tzinfo) -> datetime:
        if text[12:13] != ":":
            raise MalformedLineError(f"bad time {text!r}")
        second = _second(text[13:15])
        key = (text[:12], source, year, tz)
        if key != self._key:
            self._base = self._minute_of(text, source, year, tz)
            self._key = key
        return self._base + SECONDS[second]

    def _minute_of(self, text: str, source: str, year: int, tz: tzinfo) -> datetime:
        try:
            month = MONTHS[text[0:3]]
            day = int(text[4:6])
            hour, minute = int(text[7:9]), int(text[10:12])
            if text[3] != " " or text[9] != ":":
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
        return local_to_utc(line_year, month, day, hour, minute, 0, 0, tz)
