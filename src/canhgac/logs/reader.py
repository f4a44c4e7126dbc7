"""Reading log files: opening (gzip-compressed or not), splitting into lines, decoding, counting,
recognising the format, and handing each line to its parser.

Memory stays bounded whatever the file: lines are read one at a time and cut at
:data:`MAX_LINE` bytes (the rest of an overlong line is skipped, not held). Every line lands in
one bucket of :class:`~canhgac.logs.records.ParseStats`: a record, ignored (well formed, nothing a
rule reads), malformed (not in the format; a few kept as examples) or binary (NUL bytes, or mostly
unprintable). Text that is not UTF-8 is decoded as Windows-1258 (Vietnamese Windows servers'
code page), else Latin-1, so a stray byte never stops a file. A file that cannot be read, or whose
compressed data is damaged, raises ``OSError``/``ValueError`` with a one-line message; the lines
before the damage have been read.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, tzinfo
from itertools import chain, count
from pathlib import Path
from typing import BinaryIO

from canhgac.i18n import gettext as _
from canhgac.logs.formats import NAMES, LineParser, make_parser
from canhgac.logs.formats.syslog import SyslogHeader
from canhgac.logs.formats.timeparse import MONTHS
from canhgac.logs.records import LogRecord, MalformedLineError, ParseContext, ParseStats

MAX_LINE = 64 * 1024  # bytes of a line that are read; the rest is skipped
CHUNK = 1 << 20  # bytes read at once
FLUSH = 4096  # lines between updates of the common counts
SAMPLE = 40  # lines read to recognise the format
MAX_EXAMPLES = 5
EXAMPLE_CHARS = 200
_GZIP_MAGIC = b"\x1f\x8b"


def _decode_fallback(raw: bytes) -> str | None:
    """Text that is not UTF-8: Windows-1258, else Latin-1; None when it is not text at all."""
    try:
        text = raw.decode("cp1258")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return None if _mostly_unprintable(text) else text


def _mostly_unprintable(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for c in text if (c < " " and c != "\t") or "\x7f" <= c <= "\x9f")
    return bad * 4 > len(text)


def parse_lines(
    lines: Iterable[tuple[int, bytes]], parser: LineParser, ctx: ParseContext, stats: ParseStats
) -> Iterator[LogRecord]:
    """The shared loop: ``(line number, bytes)`` -> records, every line counted in ``stats``
    (the common counts are kept locally and added every ``FLUSH`` lines and at the end)."""
    parse = parser.parse
    lines_n = records = ignored = 0
    try:
        for line_no, data in lines:
            lines_n += 1
            if lines_n >= FLUSH:
                stats.lines += lines_n
                stats.records += records
                stats.ignored += ignored
                lines_n = records = ignored = 0
            raw = data.rstrip(b"\r\n")
            if b"\x00" in raw:
                stats.binary += 1
                continue
            try:
                text = raw.decode()
            except UnicodeDecodeError:
                fallback = _decode_fallback(raw)
                if fallback is None:
                    stats.binary += 1
                    continue
                text = fallback
            try:
                record = parse(text, ctx, line_no)
            except (ValueError, IndexError, KeyError):  # MalformedLineError, or a parser's slip
                if _mostly_unprintable(text):
                    stats.binary += 1
                    continue
                stats.malformed += 1
                if len(stats.examples) < MAX_EXAMPLES:
                    stats.examples.append(f"{ctx.source}:{line_no}: {text[:EXAMPLE_CHARS]}")
                continue
            if record is None:
                ignored += 1
            else:
                records += 1
                yield record
    finally:
        stats.lines += lines_n
        stats.records += records
        stats.ignored += ignored


def detect_format(sample: Sequence[str]) -> str | None:
    """The format of a file from its first lines, or None when no format reads most of them."""
    lines = [line for line in sample if line.strip()]
    for line in lines:
        if line.startswith(("#Software: Microsoft Internet Information", "#Fields: date time ")):
            return "iis"
        if line.startswith(
            ("#Software: Microsoft Exchange", "#Log-type: Message Tracking", "#Fields: date-time,")
        ):
            return "exchange"
    body = [line for line in lines if not line.startswith("#")]
    if not body:
        return None
    ctx = ParseContext("detect", tz=UTC, year=2000)
    need = (len(body) + 1) // 2
    for name in ("nginx", "zimbra"):
        parser = make_parser(name)
        if sum(_parses(parser, line, ctx) for line in body) >= need:
            if name == "nginx" and body[0].split(" [", 1)[0].count(" ") == 3:
                return "apache"  # vhost_combined is Apache's
            return name
    header = SyslogHeader()
    programs = {"postfix": 0, "dovecot": 0, "sshd": 0}
    split = 0
    for line in body:
        try:
            _time, _host, program, message = header.split(line, ctx)
        except MalformedLineError:
            continue
        split += 1
        if program.startswith("postfix"):
            programs["postfix"] += 1
        elif program.startswith("dovecot") or program.endswith("-login"):
            programs["dovecot"] += 1
        elif program.startswith("sshd") or message.startswith("pam_"):
            programs["sshd"] += 1
    if split < need:
        return None
    best = max(programs, key=lambda k: programs[k])
    return best if programs[best] else "sshd"


def _parses(parser: LineParser, line: str, ctx: ParseContext) -> bool:
    try:
        parser.parse(line, ctx, 0)
    except (ValueError, IndexError, KeyError):
        return False
    return True


def _open(path: Path) -> BinaryIO:
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise OSError(
            _("cannot read {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from None
    try:
        magic = raw.read(2)
        raw.seek(0)
    except OSError as exc:
        raw.close()
        raise OSError(
            _("cannot read {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from None
    if magic == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def _cut(lines: list[bytes]) -> list[bytes]:
    return [line[:MAX_LINE] for line in lines]


def _numbered(stream: BinaryIO, path: Path) -> Iterator[tuple[int, bytes]]:
    """The file's lines without their newline, numbered from 1, each at most MAX_LINE bytes;
    read in chunks, so that a line costs one split, and a line with no end is never held whole."""
    line_no = 0
    pending = b""  # the start of a line that goes on in the next chunk (at most MAX_LINE bytes)
    overlong = False  # the pending line was cut: the rest, up to its newline, is skipped
    read = getattr(stream, "read1", stream.read)  # read1: a damaged gzip keeps what came before
    try:
        while chunk := read(CHUNK):
            parts = chunk.split(b"\n")
            if overlong:
                if len(parts) == 1:
                    continue  # still inside the overlong line
                parts[0] = pending
                overlong = False
            else:
                parts[0] = pending + parts[0]
            pending = parts.pop()
            if len(pending) > MAX_LINE:
                pending, overlong = pending[:MAX_LINE], True
            if parts:
                if max(map(len, parts)) > MAX_LINE:
                    parts = _cut(parts)
                yield from zip(count(line_no + 1), parts)
                line_no += len(parts)
        if pending or overlong:
            yield line_no + 1, pending
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(
            _("{path}: compressed data damaged or cut short after line {line} ({reason})").format(
                path=path, line=line_no, reason=str(exc) or type(exc).__name__
            )
        ) from None
    except OSError as exc:
        raise OSError(
            _("cannot read {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from None


def _text(raw: bytes) -> str:
    return raw.rstrip(b"\r\n").decode("utf-8", "replace")


def _start_year(sample: Sequence[str], path: Path) -> int:
    """The year of a classic syslog file's first line: the file's modification year, or the
    year before when the first line's month is later than the modification's (a file written
    in December and January, modified in January)."""
    mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    for line in sample:
        month = MONTHS.get(line[:3])
        if month is not None and len(line) > 15 and line[15] == " ":
            return mtime.year - 1 if month > mtime.month else mtime.year
    return mtime.year


def read_records(
    path: Path, *, fmt: str | None, tz: tzinfo, year: int | None, stats: ParseStats, source: str | None = None
) -> Iterator[LogRecord]:
    """The records of one log file, streamed (``fmt`` None: recognised from its first lines)."""
    if fmt is not None and fmt not in NAMES:
        raise ValueError(
            _("unknown log format {fmt!r} (known: {names})").format(fmt=fmt, names=", ".join(NAMES))
        )
    if path.is_dir():
        raise OSError(_("cannot read {path}: it is a directory").format(path=path))
    stream = _open(path)
    with stream:
        lines = _numbered(stream, path)
        head = []
        for item in lines:
            head.append(item)
            if len(head) >= SAMPLE:
                break
        sample = [_text(raw) for _n, raw in head]
        name = fmt or detect_format(sample)
        if name is None:
            raise ValueError(_("{path}: not a log format canhgac reads (name the format)").format(path=path))
        parser = make_parser(name)
        if year is None:
            year = _start_year(sample, path) if parser.syslog_borne else datetime.now(UTC).year
        ctx = ParseContext(source or str(path), tz=tz, year=year)
        yield from parse_lines(chain(head, lines), parser, ctx, stats)
