"""Cost of detection alone: all rules over a synthetic stream of records (issue 18, task 5).

``python -m bench.logs_detect [--records 200000] [--profile]`` builds the records first (not
timed): web requests from many clients over a few thousand distinct targets, logins and sent
mail, with 3 % attack lines (SQL injection, traversal, scanners, 404 storms, brute force,
spraying, a web shell, a mail burst), then times ``RuleDetector.feed`` over them in batch mode
and prints microseconds per record and records per second. The parse cost is measured by
``bench/logs.py``; the two together make the per-line figure of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import time
from datetime import UTC, datetime, timedelta

from canhgac.logs.detector import RuleDetector, load_rules
from canhgac.logs.records import LogEvent, LogFamily, LogRecord

T0 = datetime(2026, 12, 7, tzinfo=UTC)
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
ATTACKS = ["/news.php?id=1%27%20OR%20%271%27%3D%271", "/dl?file=../../../../etc/passwd",
           "/?q=%3Cscript%3Ealert(1)%3C/script%3E", "/ping?h=1;id", "/backup.zip", "/.env"]


def _web(t: datetime, n: int, client: str, target: str, status: int = 200, method: str = "GET",
         ua: str = UA) -> LogRecord:
    raw = f'{client} - - [07/Dec/2026:00:00:00 +0000] "{method} {target} HTTP/1.1" {status} 5120 "-" "{ua}"'
    return LogRecord(t, LogEvent.HTTP_REQUEST, LogFamily.WEB, "/var/log/nginx/access.log", n, raw,
                     client=client, service="nginx", method=method, target=target, status=status,
                     bytes_sent=5120, user_agent=ua)


def _auth(t: datetime, n: int, client: str, account: str, ok: bool) -> LogRecord:
    raw = f"Dec  7 00:00:00 mx dovecot: imap-login: {'Login' if ok else 'Disconnected (auth failed)'}: user=<{account}>, rip={client}"
    return LogRecord(t, LogEvent.AUTH_SUCCESS if ok else LogEvent.AUTH_FAILURE, LogFamily.MAIL,
                     "/var/log/mail.log", n, raw, client=client, service="dovecot/imap", account=account)


def _sent(t: datetime, n: int, account: str, rcpt: int) -> LogRecord:
    raw = f"Dec  7 00:00:00 mx postfix/qmgr[1]: ABC{n}: from=<{account}>, size=2048, nrcpt={rcpt} (queue active)"
    return LogRecord(t, LogEvent.MAIL_SENT, LogFamily.MAIL, "/var/log/mail.log", n, raw,
                     client="192.0.2.10", service="postfix/qmgr", account=account, sender=account,
                     recipients=rcpt)


def build(count: int, seed: int = 7) -> list[LogRecord]:
    rnd = random.Random(seed)
    pages = [f"/tin-tuc/{i}" for i in range(2000)] + [f"/static/{i}.js?v=3" for i in range(300)] + [
        f"/tim-kiem?q=t%E1%BB%AB+kh%C3%B3a+{i}" for i in range(500)]
    out = []
    step = 86400 / count
    for n in range(count):
        t = T0 + timedelta(seconds=n * step)
        roll = rnd.random()
        if roll < 0.03:  # attacks
            attacker = f"203.0.113.{rnd.randrange(40)}"
            kind = rnd.randrange(5)
            if kind == 0:
                out.append(_web(t, n, attacker, rnd.choice(ATTACKS), 404))
            elif kind == 1:
                out.append(_web(t, n, attacker, f"/admin{n}.php", 404, ua="Mozilla/5.00 (Nikto/2.1.6)"))
            elif kind == 2:
                out.append(_auth(t, n, attacker, rnd.choice(["admin", "root", f"u{n % 50}"]), False))
            elif kind == 3:
                out.append(_web(t, n, attacker, "/uploads/x.php", 200, "POST"))
            else:
                out.append(_sent(t, n, "hacked@so.gov.vn", 20))
        elif roll < 0.85:
            out.append(_web(t, n, f"198.51.100.{rnd.randrange(250)}", rnd.choice(pages),
                            404 if rnd.random() < 0.01 else 200))
        elif roll < 0.93:
            user = f"user{rnd.randrange(300)}"
            out.append(_auth(t, n, f"192.0.2.{rnd.randrange(200)}", user, rnd.random() > 0.05))
        else:
            out.append(_sent(t, n, f"user{rnd.randrange(300)}@so.gov.vn", rnd.randrange(1, 4)))
    return out


def run(records: list[LogRecord]) -> tuple[float, int]:
    detector = RuleDetector(load_rules(), eager=False)
    feed = detector.feed
    found = 0
    start = time.perf_counter()
    for record in records:
        hits = feed(record)
        if hits:
            found += len(hits)
    found += len(detector.finish())
    return time.perf_counter() - start, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.logs_detect")
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    records = build(args.records)
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(run, records)
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)
        return 0
    best = min(run(records) for _ in range(args.repeat))
    seconds, found = best
    print(f"{len(records):,} records, all rules: {seconds:.3f} s, "
          f"{seconds / len(records) * 1e6:.2f} us/record, {len(records) / seconds:,.0f} records/s, "
          f"{found} detections (best of {args.repeat})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
