"""Which parser reads a followed file or a syslog message, and the counting around it.

Live modes use the format registry (``canhgac.logs.formats``: ``FORMATS``,
``parser_for_program``) and the reader's shared decode/count/parse loop
(``canhgac.logs.reader.parse_lines``, ``detect_format``) through :class:`Parsers`, a small seam
that tests fill with their own parsers. Syslog: a syslog-borne format (postfix, dovecot, sshd)
reads the message after the header (``parse_message``); a web server logging over syslog
(nginx ``access_log syslog:...``, tag ``nginx``; Apache through ``logger``, tag ``apache2`` or
``httpd``) sends access-log lines, read by the web format's ``parse``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from canhgac.i18n import gettext as _
from canhgac.logs.records import LogRecord, MalformedLineError, ParseContext, ParseStats
from canhgac.logs.syslog_parse import SyslogMessage

WEB_PROGRAMS = {"nginx": "nginx", "apache": "apache", "apache2": "apache", "httpd": "apache"}
_EXAMPLES = 5


class LineParserLike(Protocol):
    """What live modes use of ``canhgac.logs.formats.LineParser``."""

    name: str
    syslog_borne: bool

    def parse(self, line: str, ctx: ParseContext, line_no: int) -> LogRecord | None: ...

    def parse_message(self, time: datetime, host: str, program: str, message: str,
                      ctx: ParseContext, line_no: int) -> LogRecord | None: ...


@dataclass(frozen=True, slots=True)
class SyslogParser:
    parser: LineParserLike
    borne: bool  # True: parse_message after the header; False: parse(message) (access lines)


LinesParser = Callable[[Iterable[tuple[int, bytes]], LineParserLike, ParseContext, ParseStats],
                       Iterator[LogRecord]]


def _example(stats: ParseStats, text: str) -> None:
    if len(stats.examples) < _EXAMPLES:
        stats.examples.append(text[:200])


def basic_parse_lines(lines: Iterable[tuple[int, bytes]], parser: LineParserLike,
                      ctx: ParseContext, stats: ParseStats) -> Iterator[LogRecord]:
    """Decode (UTF-8), count and parse lines: used when the reader's own loop is absent."""
    for line_no, raw in lines:
        stats.lines += 1
        if b"\x00" in raw:
            stats.binary += 1
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            stats.malformed += 1
            _example(stats, repr(raw[:200]))
            continue
        try:
            record = parser.parse(text, ctx, line_no)
        except MalformedLineError:
            stats.malformed += 1
            _example(stats, text)
            continue
        if record is None:
            stats.ignored += 1
        else:
            stats.records += 1
            yield record


class Parsers:
    """The seam between live modes and the formats: by name, by syslog program, detection."""

    def __init__(self, formats: Mapping[str, LineParserLike],
                 for_program: Callable[[str], LineParserLike | None],
                 detect: Callable[[Sequence[str]], str | None] = lambda _: None,
                 parse_lines: LinesParser | None = None) -> None:
        self.formats = formats
        self._for_program = for_program
        self._detect = detect
        self._parse_lines = parse_lines or basic_parse_lines

    def by_name(self, fmt: str) -> LineParserLike:
        try:
            return self.formats[fmt]
        except KeyError:
            known = ", ".join(sorted(self.formats))
            raise ValueError(_("unknown log format {fmt} (known: {known})").format(
                fmt=fmt, known=known)) from None

    def detect(self, sample: Sequence[str]) -> str | None:
        return self._detect(sample)

    def for_syslog(self, program: str, fmt: str | None) -> SyslogParser | None:
        parser = self.by_name(fmt) if fmt else self._for_program(program) if program else None
        if parser is None:
            web = WEB_PROGRAMS.get(program.split("/", 1)[0].lower())
            parser = self.formats.get(web) if web else None
        if parser is None:
            return None
        return SyslogParser(parser, parser.syslog_borne)

    def parse_lines(self, lines: Iterable[tuple[int, bytes]], parser: LineParserLike,
                    ctx: ParseContext, stats: ParseStats) -> Iterator[LogRecord]:
        return self._parse_lines(lines, parser, ctx, stats)

    def parse_message(self, p: SyslogParser, msg: SyslogMessage, ctx: ParseContext,
                      stats: ParseStats) -> LogRecord | None:
        """One syslog message (``stats.lines`` already counted by the caller)."""
        text = msg.message
        if "\x00" in text:
            stats.binary += 1
            return None
        if "\ufffd" in text:  # not valid UTF-8
            stats.malformed += 1
            _example(stats, text)
            return None
        try:
            if p.borne:
                record = p.parser.parse_message(msg.time, msg.host, msg.program, text, ctx, 0)
            else:
                record = p.parser.parse(text, ctx, 0)
        except MalformedLineError:
            stats.malformed += 1
            _example(stats, text)
            return None
        if record is None:
            stats.ignored += 1
            return None
        stats.records += 1
        return record


ParserSource = Parsers


def default_parsers() -> Parsers:
    """The real registry (``canhgac.logs.formats`` and ``canhgac.logs.reader``)."""
    from canhgac.logs import formats, reader

    parse_lines: Any = reader.parse_lines  # typed for formats' LineParser, called with LineParserLike
    return Parsers(formats.FORMATS, formats.parser_for_program, reader.detect_format, parse_lines)
