"""Builders for the detection rule tests: records of each kind at chosen times, and a runner."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from canhgac.logs.detection import Detection
from canhgac.logs.detector import RuleDetector, RuleSet, load_rules
from canhgac.logs.records import LogEvent, LogFamily, LogRecord

T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
ATTACKER = "203.0.113.9"
_lines = itertools.count(1)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def web(t: float, target: str = "/", *, client: str = "198.51.100.7", status: int = 200,
        method: str = "GET", ua: str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
        source: str = "/var/log/nginx/access.log", vhost: str = "") -> LogRecord:
    n = next(_lines)
    stamp = f"{at(t):%d/%b/%Y:%H:%M:%S +0000}"
    raw = f'{client} - - [{stamp}] "{method} {target} HTTP/1.1" {status} 512 "-" "{ua}"'
    return LogRecord(time=at(t), event=LogEvent.HTTP_REQUEST, family=LogFamily.WEB, source=source,
                     line_no=n, raw=raw, client=client, service="nginx", method=method,
                     target=target, status=status, bytes_sent=512, user_agent=ua, vhost=vhost)


def auth(t: float, *, ok: bool = False, client: str = ATTACKER, account: str = "alice",
         service: str = "sshd", source: str = "/var/log/auth.log") -> LogRecord:
    n = next(_lines)
    word = "Accepted" if ok else "Failed"
    raw = f"{at(t):%b %d %H:%M:%S} srv {service}[42]: {word} password for {account} from {client}"
    family = LogFamily.AUTH if service == "sshd" else LogFamily.MAIL
    return LogRecord(time=at(t), event=LogEvent.AUTH_SUCCESS if ok else LogEvent.AUTH_FAILURE,
                     family=family, source=source, line_no=n, raw=raw, client=client,
                     service=service, account=account)


def sent(t: float, account: str, recipients: int = 1, *, source: str = "/var/log/mail.log") -> LogRecord:
    n = next(_lines)
    raw = f"{at(t):%b %d %H:%M:%S} mx postfix/qmgr[7]: X{n}: from=<{account}>, nrcpt={recipients}"
    return LogRecord(time=at(t), event=LogEvent.MAIL_SENT, family=LogFamily.MAIL, source=source,
                     line_no=n, raw=raw, client="192.0.2.10", service="postfix/qmgr",
                     account=account, sender=account, recipients=recipients)


_RULES: RuleSet | None = None


def rules() -> RuleSet:
    global _RULES
    if _RULES is None:
        _RULES = load_rules()
    return _RULES


def run(records: Iterable[LogRecord], only: Sequence[str] | None = None, *, eager: bool = False,
        ruleset: RuleSet | None = None) -> list[Detection]:
    chosen = ruleset or rules()
    if only is not None:
        chosen = chosen.only(only)
    detector = RuleDetector(chosen, eager=eager)
    out: list[Detection] = []
    for record in sorted(records, key=lambda r: r.time):
        out.extend(detector.feed(record))
    out.extend(detector.finish())
    return out


def of(found: Iterable[Detection], rule_id: str) -> list[Detection]:
    return [d for d in found if d.rule_id == rule_id]


def background(seconds: int, *, per_minute: int = 60, clients: int = 40, start: float = 0.0,
               source: str = "/var/log/nginx/access.log") -> list[LogRecord]:
    """Ordinary browsing: pages, assets and a search, from many clients, at a steady rate."""
    pages = ["/", "/tin-tuc/", "/static/app.js?v=3", "/static/site.css", "/lien-he",
             "/tim-kiem?q=th%E1%BB%A7+t%E1%BB%A5c", "/favicon.ico", "/van-ban/123"]
    step = 60.0 / per_minute
    out = []
    for i in range(int(seconds / step)):
        client = f"198.51.100.{i % clients + 1}"
        out.append(web(start + i * step, pages[i % len(pages)], client=client, source=source))
    return out
