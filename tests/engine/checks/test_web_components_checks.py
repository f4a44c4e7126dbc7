"""web.components.vulnerable on hand-built facts: exact statuses, message keys present in the catalog."""

from __future__ import annotations

from canhgac.catalog import load_catalog
from canhgac.engine.checks.web_components import components_vulnerable
from canhgac.engine.collectors.web_components import match_components
from canhgac.engine.facts.web import FetchError
from canhgac.engine.facts.web_components import ComponentVuln, WebComponentFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, Status
from canhgac.engine.vulns import open_scan_index
from canhgac.engine.vulns.identify import Component, Confidence

CATALOG = load_catalog()
URL = "https://portal.agency.gov.test/"
JOOMLA = Component("joomla", "4.2.7", Confidence.HIGH, "/administrator/manifests/files/joomla.xml")
APACHE = Component("apache-httpd", "2.4.49", Confidence.MEDIUM, "server: Apache/2.4.49 (Unix)")
UBUNTU = Component("apache-httpd", "2.4.49", Confidence.LOW, "server: Apache/2.4.49 (Ubuntu)")
IIS6 = Component("microsoft-iis", "6.0", Confidence.LOW, "server: Microsoft-IIS/6.0")


def facts(*components: Component) -> WebComponentFacts:
    with open_scan_index(None) as index:
        vulns = match_components(index, components)
    return WebComponentFacts(URL, URL, 200, components, vulns, (), "bundled test")


def run(f: WebComponentFacts) -> Outcome:
    outcome = components_vulnerable(f, CheckParams())
    if outcome.status is not Status.ERROR:  # every message renders in both languages
        for lang in ("vi", "en"):
            values = dict(outcome.message.values)
            CATALOG.message("web.components.vulnerable", outcome.message.key, values, lang)
    return outcome


def test_planted_joomla_fails_with_cve_severity_and_fix() -> None:
    outcome = run(facts(JOOMLA))
    assert (outcome.status, outcome.message.key) == (Status.FAIL, "vulnerable")
    values = outcome.message.values
    assert values["cves"] == "CVE-2023-23752"
    assert values["severity"] == "medium"
    assert values["fixed"] == "joomla ≥ 4.2.8"
    assert outcome.evidence["vulnerabilities"][0]["fixed"] == "4.2.8"  # type: ignore[index]


def test_worst_severity_and_every_fix_across_components() -> None:
    outcome = run(facts(JOOMLA, APACHE))
    values = outcome.message.values
    assert outcome.status is Status.FAIL
    assert values["severity"] == "critical"  # CVE-2021-42013 and others
    assert "CVE-2021-41773" in str(values["cves"]) and "CVE-2023-23752" in str(values["cves"])
    assert values["fixed"] == "joomla ≥ 4.2.8; apache-httpd ≥ 2.4.60"  # clears every matched advisory


def test_fixed_versions_pass() -> None:
    outcome = run(facts(Component("joomla", "4.2.8", Confidence.HIGH, "manifest"),
                        Component("apache-httpd", "2.4.62", Confidence.MEDIUM, "server")))
    assert (outcome.status, outcome.message.key) == (Status.PASS, "pass")
    assert outcome.message.values["components"] == "joomla 4.2.8, apache-httpd 2.4.62"


def test_low_confidence_banners_are_not_concluded() -> None:
    outcome = run(facts(UBUNTU, IIS6))
    assert (outcome.status, outcome.message.key) == (Status.NOT_APPLICABLE, "unconfirmed")
    assert "CVE-2017-7269" in str(outcome.message.values["cves"])


def test_no_fix_published_is_shown() -> None:
    iis = Component("microsoft-iis", "6.0", Confidence.MEDIUM, "hypothetical")
    outcome = run(facts(iis))
    assert outcome.status is Status.FAIL and outcome.message.values["fixed"] == "microsoft-iis —"


def test_issue11_version_unknown_is_never_a_pass() -> None:
    """Issue 11 item 3: 15 of 17 portals passed with key no-version and counted as covered."""
    outcome = run(facts(Component("wordpress", "", Confidence.MEDIUM, "/wp-content/")))
    assert (outcome.status, outcome.message.key) == (Status.NOT_APPLICABLE, "no-version")
    assert outcome.message.values["judged"] == "—"
    nothing = run(facts())
    assert (nothing.status, nothing.message.key) == (Status.NOT_APPLICABLE, "none-identified")
    # a clean, versioned server beside a CMS whose version is unknown: the portal is not judged
    partly = run(facts(Component("dotnetnuke", "", Confidence.HIGH, "/js/dnn.js"),
                       Component("apache-httpd", "2.4.62", Confidence.MEDIUM, "server")))
    assert (partly.status, partly.message.key) == (Status.NOT_APPLICABLE, "no-version")
    assert partly.message.values["components"] == "dotnetnuke"
    assert partly.message.values["judged"] == "apache-httpd 2.4.62"


def test_issue11_joomla_15_branch_is_possibly_vulnerable() -> None:
    """Issue 11 item 2: "Joomla! 1.5" without a patch level matches CVE-2015-8562 (>=1.5.0 <3.4.6)."""
    branch = Component("joomla", "1.5", Confidence.HIGH, '<meta name="generator" content="Joomla! 1.5">',
                       branch=True)
    outcome = run(facts(branch))
    assert (outcome.status, outcome.message.key) == (Status.FAIL, "possibly-vulnerable")
    assert outcome.message.values["components"] == "joomla 1.5.x"
    assert outcome.message.values["cves"] == "CVE-2015-8562"
    assert outcome.message.values["fixed"] == "joomla ≥ 3.4.6"
    assert outcome.evidence["components"] == [{"component": "joomla", "confidence": "high", "version": "1.5",
                                               "seen": branch.evidence, "patch_level": "unknown"}]
    with_apache = run(facts(branch, APACHE))  # one exact match makes the finding certain
    assert (with_apache.status, with_apache.message.key) == (Status.FAIL, "vulnerable")
    assert "joomla 1.5.x" in str(with_apache.message.values["components"])
    clean_branch = Component("joomla", "4.4", Confidence.HIGH, "generator", branch=True)
    outcome = run(facts(clean_branch))
    assert (outcome.status, outcome.message.key) == (Status.PASS, "pass")
    assert outcome.message.values["components"] == "joomla 4.4.x"


def test_unreadable_page_and_unreadable_data_are_errors() -> None:
    down = WebComponentFacts(URL, error=FetchError.TIMEOUT, detail="no answer in time")
    outcome = run(down)
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)
    broken = WebComponentFacts(URL, URL, 200, (JOOMLA,), data_error="v.sqlite3: not an index")
    outcome = run(broken)
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.INTERNAL)


def test_long_lists_are_capped() -> None:
    ids = [f"CVE-2000-{i:04d}" for i in range(20)]
    many = tuple(ComponentVuln("jquery", "1.0", Confidence.MEDIUM, i, (i,), "medium", 6.1, "3.5.0", "", "")
                 for i in ids)
    f = WebComponentFacts(URL, URL, 200, (Component("jquery", "1.0", Confidence.MEDIUM, "x"),), many)
    outcome = run(f)
    assert str(outcome.message.values["cves"]).endswith("(+12)")
    assert outcome.message.values["count"] == 20
