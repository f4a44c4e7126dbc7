"""web.exposure.* and web.disclosure.version on hand-built facts: no network."""

from __future__ import annotations

import pytest

from canhgac.catalog import load_catalog
from canhgac.engine.checks import web_exposure as checks
from canhgac.engine.collectors.web_exposure import judge
from canhgac.engine.facts.web import FetchError, WebResponse
from canhgac.engine.facts.web_exposure import NOT_TRIED, ProbeResult, WebExposureFacts, resembles
from canhgac.engine.facts.web_page import PageParse
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, Status
from canhgac.engine.web.signatures import ProbeKind, ProbeSpec, Sample, git_head

CATALOG = load_catalog()
P = CheckParams()
ROOT = WebResponse("https://p.test/", "https://p.test/", 200, (("server", "nginx"),), b"<html></html>")
NOT_FOUND = Sample(404, b"<html><title>404</title>not here</html>")


def facts(*probes: ProbeResult, root: WebResponse = ROOT, **kw: object) -> WebExposureFacts:
    base: dict[str, object] = {"origin": "https://p.test", "root": root, "baseline_samples": (NOT_FOUND,)}
    base.update(kw)
    return WebExposureFacts("https://p.test/", probes=probes, **base)  # type: ignore[arg-type]


def rendered(check_id: str, outcome: Outcome) -> str:
    """The message in both languages (fails if the key or a value is missing from the catalog)."""
    values = dict(outcome.message.values)
    return " | ".join(CATALOG.message(check_id, outcome.message.key, values, lang) for lang in ("vi", "en"))


CHECKS = {
    ProbeKind.VCS: ("web.exposure.vcs", checks.exposure_vcs),
    ProbeKind.CONFIG: ("web.exposure.config", checks.exposure_config),
    ProbeKind.BACKUP: ("web.exposure.backup", checks.exposure_backup),
    ProbeKind.PHPINFO: ("web.exposure.phpinfo", checks.exposure_phpinfo),
    ProbeKind.STATUS: ("web.exposure.server-status", checks.exposure_server_status),
    ProbeKind.ADMIN: ("web.exposure.admin", checks.exposure_admin),
    ProbeKind.LISTING: ("web.exposure.directory-listing", checks.exposure_directory_listing),
}


@pytest.mark.parametrize("kind", list(ProbeKind))
def test_found_fails_clean_passes(kind: ProbeKind) -> None:
    check_id, func = CHECKS[kind]
    hit = ProbeResult("/x", kind, 200, "text/plain", 30, b"secret", verdict="thing")
    clean = ProbeResult("/y", kind, 404)
    other = ProbeResult("/z", ProbeKind.VCS if kind is not ProbeKind.VCS else ProbeKind.CONFIG, 200,
                        verdict="elsewhere")
    failed = func(facts(hit, clean, other), P)
    assert (failed.status, failed.message.key) == (Status.FAIL, "exposed")
    assert failed.message.values == {"paths": "/x", "found": "thing"}
    assert "secret" not in str(failed.evidence)
    assert "thing" in rendered(check_id, failed)
    passed = func(facts(clean, other), P)
    assert (passed.status, passed.message.key) == (Status.PASS, "pass")
    rendered(check_id, passed)


def test_soft_404_lookalike_is_not_evidence() -> None:
    probe = ProbeResult("/.git/HEAD", ProbeKind.VCS, 200, verdict="git HEAD", like_baseline=True)
    assert checks.exposure_vcs(facts(probe), P).status is Status.PASS


def test_unanswered_probe_is_an_error_unless_something_was_found() -> None:
    silent = ProbeResult("/.git/config", ProbeKind.VCS, error=FetchError.TIMEOUT, detail="no answer in time")
    untried = ProbeResult("/.hg/requires", ProbeKind.VCS, detail=NOT_TRIED)
    outcome = checks.exposure_vcs(facts(ProbeResult("/.git/HEAD", ProbeKind.VCS, 404), silent, untried), P)
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)
    assert "2 of 3" in str(outcome.message.values["detail"])
    hit = ProbeResult("/.git/HEAD", ProbeKind.VCS, 200, verdict="git HEAD")
    assert checks.exposure_vcs(facts(hit, silent), P).status is Status.FAIL


def test_unreachable_site_errors_everywhere() -> None:
    down = WebExposureFacts("https://p.test/", error=FetchError.REFUSED, detail="refused")
    for _, func in CHECKS.values():
        outcome = func(down, P)
        assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.CONNECTION)
    assert checks.disclosure_version(down, P).status is Status.ERROR


def test_version_disclosure() -> None:
    check_id = "web.disclosure.version"
    quiet = checks.disclosure_version(facts(), P)
    assert (quiet.status, quiet.message.key) == (Status.PASS, "pass")
    rendered(check_id, quiet)
    loud = WebResponse("https://p.test/", "https://p.test/", 200,
                       (("server", "Microsoft-IIS/10.0"), ("x-powered-by", "ASP.NET"),
                        ("x-aspnet-version", "4.0.30319")))
    outcome = checks.disclosure_version(facts(root=loud), P)
    assert outcome.status is Status.FAIL
    assert outcome.message.values["items"] == (
        "server: Microsoft-IIS/10.0; x-powered-by: ASP.NET; x-aspnet-version: 4.0.30319")
    rendered(check_id, outcome)
    generator = facts(page=PageParse(generators=("WordPress 6.4.2",)))
    assert "generator: WordPress 6.4.2" in str(checks.disclosure_version(generator, P).message.values)
    error_page = Sample(404, b"<hr><center>nginx/1.18.0</center>")
    assert "error page: nginx/1.18.0" in str(
        checks.disclosure_version(facts(baseline_samples=(error_page,)), P).message.values)


def test_version_disclosure_needs_the_error_page_to_pass() -> None:
    outcome = checks.disclosure_version(facts(baseline_samples=(), error=FetchError.TIMEOUT), P)
    assert outcome.status is Status.ERROR


def test_judge_discounts_answers_like_the_baseline() -> None:
    spec = ProbeSpec("/.git/HEAD", ProbeKind.VCS, git_head)
    catch_all = Sample(200, b"ref: refs/heads/main\n")
    resp = WebResponse("u", "u", 200, (), b"ref: refs/heads/main\n")
    assert judge(spec, resp, (catch_all,)).like_baseline
    assert judge(spec, resp, (NOT_FOUND,)).exposed
    assert not judge(spec, WebResponse("u", "u", 403, (), b"ref: refs/heads/main\n"), (NOT_FOUND,)).verdict


def test_resembles() -> None:
    home = b"<html><head><title>Trang chu</title></head><body>" + b"tin tuc " * 200 + b"</body></html>"
    assert resembles(Sample(200, home.replace(b"tin tuc", b"tin moi", 3)), Sample(200, home))
    assert not resembles(Sample(200, b"ref: refs/heads/main\n"), Sample(200, home))
    assert not resembles(Sample(200, home), Sample(404, home))
