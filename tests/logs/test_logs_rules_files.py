"""Rule files: the built-in rules load with the fixed ids, a broken file gives one line, a user
file adds or replaces rules, and the rules are catalog entries with texts in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from logs_rules_support import ATTACKER, auth, run, web

from canhgac.catalog import CatalogError, Mode, load_catalog
from canhgac.i18n import language
from canhgac.logs.detector import load_rules
from canhgac.logs.rule_schema import RULES_ENV, RuleFileError, builtin_files, parse_duration

FIXED_IDS = {
    "logs.web.sqli", "logs.web.xss", "logs.web.traversal", "logs.web.cmd-injection",
    "logs.web.webshell", "logs.web.scanner", "logs.web.404-storm", "logs.web.spike",
    "logs.auth.brute-force", "logs.auth.account-attack", "logs.auth.spraying",
    "logs.auth.success-after-failures", "logs.mail.outbound-burst", "logs.source.silent",
}


def _rule(**over: object) -> dict[str, object]:
    text = {"vi": "Đăng nhập sai", "en": "Failed login"}
    rule: dict[str, object] = {
        "id": "logs.auth.vpn-failures", "kind": "threshold", "severity": "medium",
        "title": text, "description": text, "remediation": text,
        "message": {"vi": "{count} lần sai từ {clients}", "en": "{count} failures from {clients}"},
        "reads": {"events": ["auth.failure"], "services": ["openvpn"]},
        "group_by": ["client"], "threshold": {"count": 3, "window": "5m"},
    }
    rule.update(over)
    return rule


def _write(path: Path, *rules: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump({"rules": list(rules)}, allow_unicode=True), encoding="utf-8")
    return path


def test_builtin_rules_have_exactly_the_fixed_ids() -> None:
    assert set(load_rules().ids) == FIXED_IDS
    assert builtin_files()


@pytest.mark.parametrize(("raw", "seconds"), [(90, 90.0), ("90s", 90.0), ("10m", 600.0), ("2h", 7200.0),
                                               ("1d", 86400.0), ("1.5m", 90.0)])
def test_durations(raw: object, seconds: float) -> None:
    assert parse_duration(raw) == seconds


BROKEN = {
    "not yaml": "rules: [ {id: x\n",
    "unknown field": yaml.safe_dump({"rules": [_rule(colour="red")]}),
    "bad regex": yaml.safe_dump({"rules": [_rule(match={"target": ["(unclosed"]})]}),
    "missing threshold": yaml.safe_dump({"rules": [_rule(threshold=None)]}),
    "bad duration": yaml.safe_dump({"rules": [_rule(threshold={"count": 3, "window": "soon"})]}),
    "bad id": yaml.safe_dump({"rules": [_rule(id="Web SQLi")]}),
    "bad client": yaml.safe_dump({"rules": [_rule(exclude={"clients": ["not-an-ip"]})]}),
    "no rules": "rules: []\n",
    "binary": "\x00\x01\x02",
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_rule_file_gives_one_line(tmp_path: Path, case: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(BROKEN[case], encoding="utf-8")
    with pytest.raises(RuleFileError) as err:
        load_rules([path])
    message = str(err.value)
    assert "\n" not in message and str(path) in message


def test_a_missing_rule_file_gives_one_line(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError) as err:
        load_rules([tmp_path / "absent.yaml"])
    assert "\n" not in str(err.value)


def test_a_user_rule_file_adds_a_rule_without_code(tmp_path: Path) -> None:
    ruleset = load_rules([_write(tmp_path / "vpn.yaml", _rule())])
    assert "logs.auth.vpn-failures" in ruleset.ids and set(ruleset.ids) >= FIXED_IDS
    records = [auth(10 * i, service="openvpn") for i in range(3)]
    hits = run(records, ["logs.auth.vpn-failures"], ruleset=ruleset)
    expected = [("logs.auth.vpn-failures", f"client={ATTACKER}", 3)]
    assert [(h.rule_id, h.group, h.count) for h in hits] == expected
    assert run([auth(0, service="sshd")] * 3, ["logs.auth.vpn-failures"], ruleset=ruleset) == []


def test_a_user_rule_replaces_a_builtin_one_of_the_same_id(tmp_path: Path) -> None:
    tuned = _rule(id="logs.web.404-storm", reads={"events": ["http.request"]}, match={"status": [404]},
                  threshold={"count": 3, "window": "1m"},
                  exclude={"clients": ["192.0.2.0/24"], "paths": ["/healthz"]})
    ruleset = load_rules([_write(tmp_path / "tuned.yaml", tuned)])
    assert ruleset.ids.count("logs.web.404-storm") == 1
    storm = [web(i, f"/x{i}", client=ATTACKER, status=404) for i in range(3)]
    monitor = [web(i, f"/y{i}", client="192.0.2.8", status=404) for i in range(5)]
    probe = [web(i, "/healthz/deep", client="198.51.100.3", status=404) for i in range(5)]
    hits = run([*storm, *monitor, *probe], ["logs.web.404-storm"], ruleset=ruleset)
    assert [h.group for h in hits] == [f"client={ATTACKER}"]


def test_a_rule_defined_twice_in_one_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="twice"):
        load_rules([_write(tmp_path / "twice.yaml", _rule(), _rule())])


def test_rules_are_catalog_entries_in_both_languages() -> None:
    catalog = load_catalog()
    entries = {e.id: e for e in catalog.checks.values() if e.family.startswith("logs.")}
    assert set(entries) == FIXED_IDS
    assert all(e.mode is Mode.DETECTION for e in entries.values())
    kg20_5 = next(c for c in catalog.frameworks["KG20"].clauses if c.id == "5")
    assert set(kg20_5.checks) >= FIXED_IDS
    assert catalog.select(families=["logs"]) and {e.family for e in entries.values()} == {
        "logs.web", "logs.auth", "logs.mail", "logs.source"}


def test_every_rule_renders_its_detection_in_both_languages() -> None:
    """Each rule fires on a planted sequence; its message renders with the detection's values."""
    catalog = load_catalog()
    planted = {
        "logs.web.sqli": [web(0, "/?id=1%20UNION%20SELECT%201,2", client=ATTACKER)],
        "logs.auth.brute-force": [auth(i) for i in range(10)],
    }
    for rule_id, records in planted.items():
        (hit,) = run(records, [rule_id])
        for lang in ("vi", "en"):
            with language(lang):
                text = catalog.message(rule_id, "detected", dict(hit.values), lang)
            assert "{" not in text and ATTACKER in text
            assert catalog.check(rule_id).title.get(lang)


@pytest.mark.parametrize("rule_id", sorted(FIXED_IDS))
def test_every_message_names_only_values_detections_carry(rule_id: str) -> None:
    from canhgac.logs.windows import Incident, detection_of

    rule = load_rules().get(rule_id)
    incident = Incident("client=x", [(0.0, 1, auth(0))])
    values = dict(detection_of(rule, incident, {
        "failures": 1, "baseline": 1.0, "factor": 1.0, "peak": 1, "hits": 1,
        "silent": "1m00s", "usual": "1s"}).values)
    catalog = load_catalog()
    for lang in ("vi", "en"):
        assert "{" not in catalog.message(rule_id, "detected", values, lang)


def test_user_rules_from_the_environment_reach_detector_and_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    _write(folder / "vpn.yaml", _rule())
    monkeypatch.setenv(RULES_ENV, str(folder))
    assert "logs.auth.vpn-failures" in load_rules().ids
    assert load_catalog().check("logs.auth.vpn-failures").title.en == "Failed login"


def test_a_broken_environment_rule_file_is_a_catalog_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: 3\n", encoding="utf-8")
    monkeypatch.setenv(RULES_ENV, str(bad))
    with pytest.raises(CatalogError) as err:
        load_catalog()
    assert "\n" not in str(err.value) and "bad.yaml" in str(err.value)
