"""The HTML report: both languages, self-contained, hostile text escaped, numbers explained."""

from __future__ import annotations

import re
import string
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from report_builders import WHEN, report, result

from canhgac.catalog import Catalog, Mode, load_catalog
from canhgac.engine.results import Message, Status
from canhgac.engine.targets import TargetKind
from canhgac.findings.reconcile import Lifecycle
from canhgac.reports.grading import ScoringPolicy
from canhgac.reports.html import render_html
from canhgac.reports.model import (
    ChangeSummary,
    OpenService,
    ReportInput,
    RunStatus,
    Triage,
    TriageState,
)
from canhgac.reports.wording import render_markdown

HOSTILE = "<script>alert(1)</script>"


def _sample(lang: str) -> ReportInput:
    spf = result("t.mail.spf", "a", Status.FAIL, evidence={"record": HOSTILE, "chain": ["x"]})
    dmarc = result("t.mail.dmarc", "a", Status.FAIL)
    banner = result("t.info.banner", "b", Status.FAIL, key="shown", banner=HOSTILE)
    return report(
        [
            spf,
            dmarc,
            banner,
            result("t.mail.dkim", "a", Status.ERROR, detail=HOSTILE),
            result("t.mail.spf", "b", Status.PASS, key="pass", record="v=spf1 -all"),
        ],
        triage={
            dmarc.fingerprint: Triage(state=TriageState.ACCEPTED_RISK, note=HOSTILE),
            spf.fingerprint: Triage(state=TriageState.CONFIRMED, assignee="Nguyễn Văn An"),
        },
        lifecycle={spf.fingerprint: Lifecycle.NEW, dmarc.fingerprint: Lifecycle.OPEN},
        changes=ChangeSummary(
            previous_run_id="run-1", previous_run_at=WHEN, new=(spf.fingerprint,),
            fixed=("0" * 32,), reopened=(banner.fingerprint,),
        ),
        lang=lang,
    )


class _Refs(HTMLParser):
    """Collects every attribute that could make a browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in {"src", "href", "action", "srcset", "data", "poster"}:
                self.refs.append((tag, name, value or ""))


def _assert_self_contained(page: str) -> None:
    parser = _Refs()
    parser.feed(page)
    assert not {"script", "link", "iframe", "img", "object", "embed"} & parser.tags
    for tag, name, value in parser.refs:
        assert value.startswith("#"), f"<{tag} {name}={value!r}> leaves the file"
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", page, re.IGNORECASE)
    assert "<script src" not in page
    assert "@import" not in page
    assert "url(" not in page


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_renders_self_contained(catalog: Catalog, policy: ScoringPolicy, lang: str) -> None:
    page = render_html(_sample(lang), catalog, policy)
    assert page.startswith("<!DOCTYPE html>")
    assert f'<html lang="{lang}">' in page
    _assert_self_contained(page)


def test_vietnamese_by_default(catalog: Catalog, policy: ScoringPolicy) -> None:
    page = render_html(_sample("vi"), catalog, policy)
    for text in ("Tóm tắt", "Cách tính xếp loại", "Không kiểm tra được", "Nguồn gốc kết quả",
                 "Tên miền có bản ghi SPF", "Không có bản ghi SPF", "Công bố bản ghi SPF.",
                 "Chấp nhận rủi ro", "Mới", "Nguyễn Văn An", "Câu hỏi cho cơ quan"):
        assert text in page, text
    assert "Summary" not in page
    assert "Domain publishes an SPF record" not in page


def test_english(catalog: Catalog, policy: ScoringPolicy) -> None:
    page = render_html(_sample("en"), catalog, policy)
    for text in ("Summary", "How grades are computed", "Could not be tested", "Provenance",
                 "Domain publishes an SPF record", "No SPF record", "Publish an SPF record.",
                 "Accepted risk", "Compared with scan run-1"):
        assert text in page, text
    assert "Tóm tắt" not in page


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_hostile_text_is_escaped(catalog: Catalog, policy: ScoringPolicy, lang: str) -> None:
    page = render_html(_sample(lang), catalog, policy)
    assert "<script" not in page
    assert "alert(1)" in page  # shown, as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_hostile_inventory_names_are_escaped(catalog: Catalog, policy: ScoringPolicy) -> None:
    base = _sample("en")
    agencies = tuple(a.model_copy(update={"name": HOSTILE}) for a in base.agencies)
    page = render_html(base.model_copy(update={"agencies": agencies}), catalog, policy)
    assert "<script" not in page


def test_grade_explanation_matches_deductions(catalog: Catalog, policy: ScoringPolicy) -> None:
    page = render_html(_sample("en"), catalog, policy)
    # agency a: SPF (high) counts; DMARC is accepted risk (listed, not counted)
    assert "E-mail: 15<br>Risk points: <strong>15</strong>." in page
    assert "Score = 100 × 100 / (100 + 15) = <strong>87</strong>." in page
    assert "Listed but not counted" in page
    many = report([result("t.mail.dkim", "z", Status.FAIL, target=f"{i}.z.gov.vn") for i in range(3)]
                  + [result("t.web.header", "z", Status.FAIL, target=f"https://{i}.z.gov.vn/",
                            kind=TargetKind.URL, header="CSP") for i in range(2)], lang="en")
    page = render_html(many, catalog, policy)
    assert "E-mail: 40 + 40 + 40 = 120<br>Web portals: 2 + 2 = 4<br>" in page
    assert "Risk points: 120 + 4 = <strong>124</strong>." in page
    assert "Score = 100 × 100 / (100 + 124) = <strong>44.6</strong>." in page


def test_deduction_reads_as_a_failure_with_human_target_names(
    catalog: Catalog, policy: ScoringPolicy
) -> None:
    """Issue 12 item 7: a deduction line names the requirement as not met, targets as people
    say them (no ``domain:``/``mail_host:``/``url:`` keys)."""
    rs = [result("t.mail.spf", "a", Status.FAIL),
          result("t.mail.dkim", "a", Status.FAIL, target="mx.a.gov.vn", kind=TargetKind.MAIL_HOST),
          result("t.web.header", "a", Status.FAIL, target="https://a.gov.vn/", kind=TargetKind.URL,
                 header="CSP"),
          result("t.info.banner", "a", Status.FAIL, key="shown", target="203.0.113.5",
                 kind=TargetKind.HOST, banner="x")]
    missing = {"a": ("domain:two.a.gov.vn", "url:https://two.a.gov.vn/")}
    page = render_html(report(rs).model_copy(update={"missing": missing}), catalog, policy)
    assert "Chưa đạt: Tên miền có bản ghi SPF" in page
    assert "(không tính là đã kiểm tra): two.a.gov.vn, https://two.a.gov.vn/." in page
    for shown in ("máy chủ thư mx.a.gov.vn", "https://a.gov.vn/", "máy chủ 203.0.113.5"):
        assert shown in page, shown
    body = page[page.index("<body>"):]
    for key in ("domain:", "mail_host:", "url:", "host:"):
        assert key not in body, key


def test_provenance_footer(catalog: Catalog, policy: ScoringPolicy) -> None:
    page = render_html(_sample("en"), catalog, policy)
    footer = page[page.index("<footer>"):]
    for text in ("run-2", "0.1.0", "sha256:test", "public suffix list", "2025-01-01",
                 "127.0.0.53:53", "20 Jan 2025, 15:30 (+07:00)"):
        assert text in footer, text


def test_first_scan_has_nothing_to_compare(catalog: Catalog, policy: ScoringPolicy) -> None:
    page = render_html(report([result("t.mail.spf", "a", Status.FAIL)], lang="en"), catalog,
                       policy)
    assert "This is the first scan" in page


def _values_for(template: str) -> dict[str, str]:
    return {name: "x" for _, name, _, _ in string.Formatter().parse(template) if name}


def test_renders_with_the_real_catalog(policy: ScoringPolicy) -> None:
    """Whatever entries the packaged catalog holds today, a report over them renders."""
    catalog = load_catalog()
    results = []
    for i, entry in enumerate(e for e in catalog.checks.values() if e.mode is Mode.AUTOMATED):
        if not entry.messages:
            continue
        key, text = sorted(entry.messages.items())[0]
        status = (Status.FAIL, Status.PASS, Status.ERROR)[i % 3]
        values = _values_for(text.vi) | _values_for(text.en)
        base = result(entry.id, f"ag{i % 4}", status, target=f"t{i}.gov.vn")
        if status is not Status.ERROR:
            base = base.model_copy(update={"message": Message(key=key, values=values)})
        results.append(base)
    assert results, "the packaged catalog has no automated check with messages"
    for lang in ("vi", "en"):
        page = render_html(report(results, lang=lang), catalog, policy)
        _assert_self_contained(page)
        for fw in catalog.frameworks.values():
            assert str(escape(fw.title.get(lang))) in page


def test_open_services_table_lists_every_open_port_of_the_agency(policy: ScoringPolicy) -> None:
    """Task 4: what a host exposes, from the store's assets (not a check's evidence), hostile
    values escaped; another agency's services stay in its own section."""
    catalog = load_catalog()
    services = (
        OpenService(agency="vnpt", address="127.60.0.9", port=9999, service="unknown"),
        OpenService(agency="vnpt", address="127.60.0.9", port=22, service="ssh", product="openssh",
                    version="7.4"),
        OpenService(agency="vnpt", address="127.60.0.9", port=443, service="http", product=HOSTILE,
                    tls="TLSv1.3"),
        OpenService(agency="other", address="127.60.0.10", port=3306, service="mysql"),
    )
    ports = result("net.ports.new", "vnpt", Status.NOT_APPLICABLE, key="no-baseline", target="127.60.0.9",
                   kind=TargetKind.HOST)
    page = render_html(report([ports]).model_copy(update={"services": services}), catalog, policy)
    section = page[page.index("Dịch vụ mở ra Internet"):]
    row = (r'<tr><td class="target">127\.60\.0\.9</td><td class="num">(\d+)</td>'
           r"<td>(.*?)</td><td>(.*?)</td></tr>")
    cells = re.findall(row, section)
    assert [port for port, _, _ in cells] == ["22", "443", "9999"]
    assert cells[0][1:] == ("ssh", "openssh 7.4")
    assert "(TLSv1.3)" in cells[1][1] and cells[1][2] == str(escape(HOSTILE))
    assert "chưa nhận diện được" in cells[2][1]
    assert "127.60.0.10" not in page  # "other" is not an agency of this report
    english = render_html(report([ports], lang="en").model_copy(update={"services": services}),
                          catalog, policy)
    assert "Services open to the Internet" in english


@pytest.mark.parametrize(
    ("lang", "notice"),
    [("en", "Scan 7 was interrupted"), ("vi", "Lượt quét 7 đã bị ngắt")],
)
def test_interrupted_run_says_so_on_the_first_page(
    catalog: Catalog, policy: ScoringPolicy, lang: str, notice: str
) -> None:
    """Issue 9, defect 2 (report side): the leaders' summary says the scan was interrupted."""
    base = report([result("t.mail.spf", "a", Status.FAIL)], lang=lang)
    cut = base.run.model_copy(update={
        "id": "7", "status": RunStatus.INTERRUPTED, "planned_targets": 16, "scanned_targets": 15})
    html = render_html(base.model_copy(update={"run": cut}), catalog, policy)
    summary = html.split('<section id="method">')[0]
    assert notice in summary
    assert ("15 of 16 planned targets" if lang == "en" else "15 trên 16 mục tiêu dự kiến") in summary
    assert notice not in render_html(base, catalog, policy)


@pytest.mark.parametrize(
    ("lang", "heading", "line"),
    [("en", "Warnings about the scans themselves", "Scan 8: DNS blocklist zen.spamhaus.org &lt;refused&gt;"),
     ("vi", "Cảnh báo về chính các lần quét", "Lần quét 8: DNS blocklist zen.spamhaus.org &lt;refused&gt;")],
)
def test_run_warnings_are_in_the_summary(
    catalog: Catalog, policy: ScoringPolicy, lang: str, heading: str, line: str
) -> None:
    """A blocklist zone left out of the run (issue 11 item 8) is said where the summary is read."""
    base = report([result("t.mail.spf", "a", Status.FAIL)], lang=lang)
    warning = "DNS blocklist zen.spamhaus.org <refused>"
    warned = base.run.model_copy(update={"id": "8", "warnings": (warning,)})
    html = render_html(base.model_copy(update={"run": warned}), catalog, policy)
    summary = html.split('<section id="method">')[0]
    assert heading in summary and line in summary
    assert heading not in render_html(base, catalog, policy)


def test_remediation_markdown_is_rendered_and_everything_else_escaped() -> None:
    """Issue 12 item 8: no raw backticks; raw HTML in the source stays text; no links out."""
    html = str(render_markdown(
        "Set `p=reject` in *DNS*:\n\n- one `<script>`\n- two <img src=x onerror=alert(1)>\n\n"
        "[see](https://example.org/) <https://example.org/>"))
    assert "<code>p=reject</code>" in html and "<em>DNS</em>" in html
    assert "<li>one <code>&lt;script&gt;</code></li>" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html and "<a " not in html and "`" not in html


def test_real_catalog_remediation_has_no_raw_backticks(policy: ScoringPolicy) -> None:
    catalog = load_catalog()
    with_code = [e for e in catalog.checks.values() if e.mode is Mode.AUTOMATED and "`" in e.remediation.vi]
    assert with_code, "no remediation uses code spans any more: this test needs another example"
    results = [result(e.id, "a", Status.FAIL, key=sorted(e.messages)[0], target=f"t{i}.gov.vn",
                      **_values_for(e.messages[sorted(e.messages)[0]].vi))
               for i, e in enumerate(with_code[:20])]
    page = render_html(report(results), catalog, policy)
    fixes = re.findall(r'<dd class="fix">(.*?)</dd>', page, re.S)
    assert len(fixes) == len(results)
    assert all("`" not in fix and "<code>" in fix for fix in fixes)


def test_each_finding_shows_its_fingerprint(catalog: Catalog, policy: ScoringPolicy) -> None:
    """Issue 12 item 8: the short form to type, the full one in a tooltip, for `findings`."""
    spf = result("t.mail.spf", "a", Status.FAIL)
    page = render_html(report([spf]), catalog, policy)
    fp = spf.fingerprint
    shown = f'<span class="fp" title="{fp}">{fp[:10]}</span>'
    assert page.count(shown) == 2  # in the deduction table and on the finding


def test_a_run_report_says_the_campaign_is_a_current_state_figure(
    catalog: Catalog, policy: ScoringPolicy
) -> None:
    base = _sample("en")
    assert 'id="campaign-omitted"' not in render_html(base, catalog, policy)
    page = render_html(base.model_copy(update={"campaign_omitted": ("a",)}), catalog, policy)
    note = page.split('id="campaign-omitted">', 1)[1].split("</p>", 1)[0]
    assert "current-state figure" in note and 'id="campaign-table"' not in page
