"""Login and mail rules: brute force, attacks on one account, spraying, success after failures,
outbound bursts and silent sources; thresholds at N-1 and N, window edges, benign look-alikes."""

from __future__ import annotations

from datetime import timedelta

from logs_rules_support import ATTACKER, T0, at, auth, of, rules, run, sent, web

from canhgac.logs.detector import RuleDetector


def _failures(n: int, *, start: float = 0.0, spacing: float = 10.0, **kw: object) -> list:
    return [auth(start + spacing * i, **kw) for i in range(n)]  # type: ignore[arg-type]


def test_brute_force_n_minus_one_and_n() -> None:
    assert run(_failures(9), ["logs.auth.brute-force"]) == []
    hits = run(_failures(10), ["logs.auth.brute-force"])
    assert len(hits) == 1
    hit = hits[0]
    assert hit.group == f"client={ATTACKER} service=sshd"
    assert hit.count == 10 and hit.clients == (ATTACKER,) and hit.accounts == ("alice",)
    assert hit.first_seen == at(0) and hit.last_seen == at(90)
    assert hit.values["window"] == "10m00s"


def test_brute_force_window_edge() -> None:
    assert len(run(_failures(10, spacing=600 / 9), ["logs.auth.brute-force"])) == 1
    assert run(_failures(10, spacing=601 / 9), ["logs.auth.brute-force"]) == []


def test_brute_force_is_per_service_and_one_detection_per_attack() -> None:
    ssh = _failures(300, spacing=2)
    smtp = _failures(12, service="postfix/smtpd", spacing=5)
    hits = run([*ssh, *smtp], ["logs.auth.brute-force"])
    assert sorted((h.group, h.count) for h in hits) == [
        (f"client={ATTACKER} service=postfix/smtpd", 12), (f"client={ATTACKER} service=sshd", 300)]
    assert all(len(h.evidence) == 20 for h in hits if h.count > 20)


def test_a_user_mistyping_a_password_twice_fires_nothing() -> None:
    records = [auth(0, client="192.0.2.30"), auth(8, client="192.0.2.30"),
               auth(15, ok=True, client="192.0.2.30")]
    assert run(records) == []


def test_account_attack_from_several_clients() -> None:
    records = [auth(20 * i, client=f"203.0.113.{i % 5 + 1}", account="giamdoc") for i in range(12)]
    hits = of(run(records), "logs.auth.account-attack")
    assert len(hits) == 1
    assert hits[0].group == "account=giamdoc" and hits[0].count == 12
    assert hits[0].values["distinct"] == 5 and len(hits[0].clients) == 5


def test_one_client_failing_on_one_account_is_not_an_account_attack() -> None:
    assert of(run(_failures(30, account="giamdoc")), "logs.auth.account-attack") == []


def test_spraying_n_minus_one_and_n_distinct_accounts() -> None:
    four = [auth(30 * i, account=f"user{i}") for i in range(4)] * 2
    assert of(run(four), "logs.auth.spraying") == []
    five = [auth(30 * i, account=f"user{i}") for i in range(5)]
    hits = of(run(five), "logs.auth.spraying")
    assert len(hits) == 1
    assert hits[0].group == f"client={ATTACKER}" and hits[0].values["distinct"] == 5
    assert sorted(hits[0].accounts) == [f"user{i}" for i in range(5)]


def test_success_after_failures_per_client() -> None:
    records = [*_failures(6, account="root"), auth(70, ok=True, account="root")]
    hits = of(run(records), "logs.auth.success-after-failures")
    assert len(hits) == 1
    hit = hits[0]
    assert hit.group == f"client={ATTACKER} account=root" and hit.severity == "critical"
    assert hit.count == 7 and hit.values["failures"] == 6
    assert hit.accounts == ("root",) and hit.evidence[-1].line_no == records[-1].line_no
    assert hit.first_seen == at(0) and hit.last_seen == at(70)


def test_success_after_failures_per_account_from_other_clients() -> None:
    tries = [auth(10 * i, client=f"203.0.113.{i + 1}", account="ketoan") for i in range(5)]
    hits = of(run([*tries, auth(60, ok=True, client="198.51.100.99", account="ketoan")]),
              "logs.auth.success-after-failures")
    assert [h.group for h in hits] == ["client=198.51.100.99 account=ketoan"]
    assert hits[0].clients[0] == "198.51.100.99"


def test_success_after_too_few_or_too_old_failures_fires_nothing() -> None:
    few = [*_failures(4), auth(50, ok=True)]
    old = [*_failures(5), auth(10 * 4 + 601, ok=True)]
    assert of(run(few), "logs.auth.success-after-failures") == []
    assert of(run(old), "logs.auth.success-after-failures") == []


def test_success_after_failures_fires_once_per_run_of_failures() -> None:
    records = [*_failures(6), auth(70, ok=True), auth(80, ok=True), auth(90, ok=True)]
    assert len(of(run(records), "logs.auth.success-after-failures")) == 1


def test_outbound_burst_counts_recipients_per_account() -> None:
    spam = [sent(3 * i, "vanthu@so.gov.vn", recipients=5) for i in range(40)]
    hits = of(run(spam), "logs.mail.outbound-burst")
    assert len(hits) == 1
    assert hits[0].group == "account=vanthu@so.gov.vn" and hits[0].count == 200
    assert hits[0].values["lines"] == 40


def test_an_authorised_mailing_at_a_normal_rate_does_not_fire() -> None:
    # a newsletter: 150 recipients every 15 minutes for four hours, and ordinary users
    mailing = [sent(900 * i, "bantin@so.gov.vn", recipients=150) for i in range(16)]
    users = [sent(37 * i, f"user{i % 20}@so.gov.vn", recipients=2) for i in range(300)]
    assert of(run([*mailing, *users]), "logs.mail.outbound-burst") == []


def test_outbound_burst_threshold_n_minus_one_and_n() -> None:
    burst = ["logs.mail.outbound-burst"]
    assert run([sent(i, "a@so.gov.vn", recipients=1) for i in range(199)], burst) == []
    assert len(run([sent(i, "a@so.gov.vn", recipients=1) for i in range(200)], burst)) == 1


def _steady(source: str, seconds: int, every: float = 60.0) -> list:
    return [web(i * every, "/", source=source) for i in range(int(seconds / every))]


def test_silent_source_between_lines_in_a_batch() -> None:
    before = _steady("/logs/a.log", 3 * 3600)
    after = [web(3 * 3600 + 5 * 3600 + i * 60, "/", source="/logs/a.log") for i in range(10)]
    hits = of(run([*before, *after], ["logs.source.silent"]), "logs.source.silent")
    assert len(hits) == 1
    assert hits[0].group == "source=/logs/a.log"
    assert hits[0].first_seen == at(3 * 3600 - 60)
    assert hits[0].last_seen == at(8 * 3600)


def test_a_quiet_night_shorter_than_the_minimum_is_not_silence() -> None:
    before = _steady("/logs/a.log", 3600)
    after = [web(3600 + 90 * 60 + 60 * i, "/", source="/logs/a.log") for i in range(10)]
    assert run([*before, *after], ["logs.source.silent"]) == []


def test_silent_source_in_live_mode_fires_once_from_tick() -> None:
    detector = RuleDetector(rules().only(["logs.source.silent"]),
                            silence_sources={"/logs/a.log": 1800.0})
    for record in _steady("/logs/a.log", 3600):
        detector.feed(record)
    detector.feed(web(0, "/", source="/logs/other.log"))  # not watched
    last = T0 + timedelta(seconds=3540)
    assert detector.tick(last + timedelta(minutes=20)) == []
    hits = detector.tick(last + timedelta(minutes=31))
    assert [h.group for h in hits] == ["source=/logs/a.log"]
    assert detector.tick(last + timedelta(hours=3)) == []  # once per silence
    assert detector.feed(web(3540 + 4 * 3600, "/", source="/logs/a.log")) == []


def test_seen_counts_lines_no_rule_reads() -> None:
    detector = RuleDetector(rules().only(["logs.source.silent"]))
    for i in range(60):
        detector.seen("/logs/b.log", T0 + timedelta(seconds=30 * i))
    detector.seen("/logs/b.log", T0 + timedelta(hours=5))
    hits = detector.finish()
    assert [h.group for h in hits] == ["source=/logs/b.log"]
