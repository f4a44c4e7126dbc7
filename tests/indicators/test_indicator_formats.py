"""The pure side of indicator sharing: values validated and normalised, TLP 2.0 levels and their
official STIX marking definitions, an incident exported as STIX 2.1 (checked by stix2's own
parser) and as a MISP event, both read back to the same indicators, the hand-written MISP and
STIX samples imported, and hostile inputs answered in one line or counted as skipped."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import stix2  # type: ignore[import-untyped]

from canhgac.indicators.export import IncidentExport, Producer, misp_event, stix_bundle, stix_pattern
from canhgac.indicators.imports import MAX_BYTES, read_pack
from canhgac.indicators.model import Indicator, IndicatorError, Kind, merged
from canhgac.indicators.normalise import from_incident_link, guess, indicator
from canhgac.indicators.stix_patterns import PatternError, comparisons
from canhgac.indicators.tlp import STIX_IDS, Tlp, from_stix_marking, stix_marking, visible

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
CSIRT = Producer("CSIRT tỉnh Kiên Giang", "csirt@kiengiang.gov.vn")
RULE = 'rule planted_shell { strings: $a = "eval(Request" condition: $a }'


def _every_kind() -> tuple[Indicator, ...]:
    return (
        indicator(Kind.IPV4, "198.51.100.7", "C2"),
        indicator(Kind.IPV6, "2001:DB8::7"),
        indicator(Kind.DOMAIN, "Bad.Example.COM."),
        indicator(Kind.HOSTNAME, "files.bad.example.com"),
        indicator(Kind.URL, "HTTPS://Bad.Example.com/a?b=1"),
        indicator(Kind.EMAIL, "thu@Bad.Example.com"),
        indicator(Kind.MD5, "0CC175B9C0F1B6A831C399E269772661"),
        indicator(Kind.SHA1, "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"),
        indicator(Kind.SHA256, "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"),
        indicator(Kind.FILENAME, "hóa đơn's \\copy.exe".replace("\\", "")),
        indicator(Kind.MUTEX, "Global\\mx'1"),
        indicator(Kind.REGISTRY_KEY, "hkey_local_machine\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"),
        indicator(Kind.YARA, RULE),
    )


def _export(level: Tlp = Tlp.AMBER) -> IncidentExport:
    return IncidentExport(7, "Cổng thông tin bị thay đổi giao diện", "high", "containment",
                          datetime(2026, 12, 1, 8, 30, tzinfo=UTC), _every_kind(), level)


@pytest.mark.parametrize(("kind", "raw", "value", "internal"), [
    (Kind.IPV4, " 203.113.131.1 ", "203.113.131.1", False),
    (Kind.IPV4, "127.0.0.1", "127.0.0.1", True),
    (Kind.IPV4, "10.1.2.3", "10.1.2.3", True),
    (Kind.IPV6, "2402:800:0:0::1", "2402:800::1", False),
    (Kind.IPV6, "::1", "::1", True),
    (Kind.DOMAIN, "Sở.Example.VN.", "xn--s-lym.example.vn", False),
    (Kind.DOMAIN, "printer.local", "printer.local", True),
    (Kind.HOSTNAME, "fileserver", "fileserver", True),
    (Kind.URL, "http://LOCALHOST:8080/x", "http://localhost:8080/x", True),
    (Kind.EMAIL, "a.b@Mail.Example.vn", "a.b@mail.example.vn", False),
    (Kind.SHA1, "86F7E437FAA5A7FCE15D1DDCB9EAEAEA377667B8", "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8",
     False),
    (Kind.REGISTRY_KEY, "HKCU/Software/Run/", "HKCU\\Software\\Run", False),
])
def test_values_are_normalised_and_internal_ones_flagged(
    kind: Kind, raw: str, value: str, internal: bool
) -> None:
    found = indicator(kind, raw)
    assert (found.value, found.internal) == (value, internal)


@pytest.mark.parametrize(("kind", "raw"), [
    (Kind.IPV4, "300.1.1.1"), (Kind.IPV4, "2001:db8::1"), (Kind.IPV6, "1.2.3.4"), (Kind.DOMAIN, "bad_domain"),
    (Kind.DOMAIN, "a..b"), (Kind.DOMAIN, "-x.example.com"), (Kind.URL, "javascript:alert(1)"),
    (Kind.URL, "http://"), (Kind.URL, "http://a b.com/"), (Kind.EMAIL, "no-at.example.com"),
    (Kind.MD5, "abc"), (Kind.SHA256, "z" * 64), (Kind.FILENAME, "dir/x.exe"), (Kind.FILENAME, "a\x00b"),
    (Kind.REGISTRY_KEY, "HKXX\\Run"), (Kind.REGISTRY_KEY, "HKLM"), (Kind.YARA, "strings: nothing"),
    (Kind.DOMAIN, "x" * 5000), (Kind.DOMAIN, "   "),
])
def test_a_bad_value_is_one_line_naming_it(kind: Kind, raw: str) -> None:
    with pytest.raises(IndicatorError) as caught:
        indicator(kind, raw)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 200
    assert raw.strip()[:20] in message or "YARA" in message or "5000" not in message


def test_plain_values_are_guessed_and_incident_links_read() -> None:
    assert guess("198.51.100.1").kind is Kind.IPV4
    assert guess("2001:db8::5").kind is Kind.IPV6
    assert guess("d41d8cd98f00b204e9800998ecf8427e").kind is Kind.MD5
    assert guess("https://x.example/a").kind is Kind.URL
    assert guess("a@x.example").kind is Kind.EMAIL
    assert guess("x.example").kind is Kind.DOMAIN
    assert guess("mutex:Global\\abc").kind is Kind.MUTEX
    with pytest.raises(IndicatorError, match="TYPE:VALUE"):
        guess("hello world")
    assert from_incident_link("ip:2001:db8::9").kind is Kind.IPV6
    assert from_incident_link("sha256:" + "A" * 64).value == "a" * 64
    with pytest.raises(IndicatorError):
        from_incident_link("other:something")


def test_duplicates_merge_with_their_notes() -> None:
    items = [indicator(Kind.DOMAIN, "X.example", "one"), indicator(Kind.DOMAIN, "x.example.", "two"),
             indicator(Kind.DOMAIN, "x.example", "one")]
    assert merged(items) == [Indicator(Kind.DOMAIN, "x.example", "one; two")]


def test_tlp_levels_parse_and_scope() -> None:
    assert Tlp.parse("TLP:AMBER+STRICT") is Tlp.AMBER_STRICT
    assert Tlp.parse("amber-strict") is Tlp.AMBER_STRICT
    assert Tlp.parse("white") is Tlp.CLEAR
    with pytest.raises(ValueError):
        Tlp.parse("blue")
    assert [t.value for t in Tlp if visible(t, csirt=False)] == ["clear", "green", "amber"]
    assert all(visible(t, csirt=True) for t in Tlp)
    assert not visible("purple", csirt=False)


def test_tlp_2_markings_are_the_official_definitions() -> None:
    # the OASIS CTI TC's TLP 2.0 marking definitions (stix2 3.0.2 has only TLP 1.0)
    assert STIX_IDS[Tlp.CLEAR] == "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
    assert STIX_IDS[Tlp.RED] == "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
    for level in Tlp:
        definition = stix2.v21.MarkingDefinition(**stix_marking(level))
        assert from_stix_marking(json.loads(definition.serialize())) is level
    assert from_stix_marking(json.loads(stix2.v21.TLP_WHITE.serialize())) is Tlp.CLEAR
    assert from_stix_marking(json.loads(stix2.v21.TLP_AMBER.serialize())) is Tlp.AMBER


def test_stix_patterns_are_built_by_the_library_with_quoting() -> None:
    pattern, kind = stix_pattern(indicator(Kind.FILENAME, "it's.exe"))
    assert (pattern, kind) == ("[file:name = 'it\\'s.exe']", "stix")
    assert comparisons(pattern) == [("file", ("name",), "it's.exe")]
    assert stix_pattern(indicator(Kind.YARA, RULE)) == (RULE, "yara")


def test_stix_export_is_valid_for_stix2_and_marked() -> None:
    text = stix_bundle(_export(Tlp.AMBER_STRICT), CSIRT, now=NOW)
    bundle = stix2.parse(text, allow_custom=False)  # stix2's own validation of every object
    kinds = [o.type for o in bundle.objects]
    assert kinds.count("indicator") == len(_every_kind())
    assert {"identity", "marking-definition", "report"} <= set(kinds)
    identity = next(o for o in bundle.objects if o.type == "identity")
    assert identity.name == CSIRT.name
    report = next(o for o in bundle.objects if o.type == "report")
    indicators = [o for o in bundle.objects if o.type == "indicator"]
    assert sorted(report.object_refs) == sorted(o.id for o in indicators)
    for obj in [report, *indicators]:
        assert obj.object_marking_refs == [STIX_IDS[Tlp.AMBER_STRICT]]
    for obj in indicators:
        assert obj.valid_from == datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
        assert obj.indicator_types == ["malicious-activity"] and obj.created_by_ref == identity.id
    # the same incident exported again: the same objects (a consumer updates, not duplicates)
    again = stix2.parse(stix_bundle(_export(Tlp.AMBER_STRICT), CSIRT, now=NOW))
    assert [o.id for o in again.objects] == [o.id for o in bundle.objects]


@pytest.mark.parametrize("writer", [stix_bundle, misp_event])
def test_export_then_import_gives_the_same_indicators(writer: object) -> None:
    text = writer(_export(Tlp.RED), CSIRT, now=NOW)  # type: ignore[operator]
    pack = read_pack(text.encode())
    assert pack.skipped == []
    assert {i.key for i in pack.indicators} == {i.key for i in _every_kind()}
    assert pack.tlp is Tlp.RED
    assert pack.name == "Cổng thông tin bị thay đổi giao diện"
    assert next(i for i in pack.indicators if i.kind is Kind.IPV4).note == "C2"


def test_misp_export_follows_the_core_format() -> None:
    event = json.loads(misp_event(_export(Tlp.GREEN), CSIRT, now=NOW))["Event"]
    assert event["info"] and event["threat_level_id"] == "1" and event["analysis"] == "1"
    assert event["distribution"] == "2" and event["Tag"] == [{"name": "tlp:green"}]
    types = {a["type"] for a in event["Attribute"]}
    assert {"ip-dst", "domain", "url", "md5", "sha256", "filename", "regkey", "mutex", "yara"} <= types
    assert all(a["to_ids"] is True and a["category"] for a in event["Attribute"])


def test_the_misp_sample_imports() -> None:
    pack = read_pack((DATA / "misp_event_sample.json").read_bytes())
    assert pack.format == "misp" and pack.name.startswith("Phishing wave")
    assert pack.tlp is Tlp.AMBER  # the event's tlp:green, one attribute's tlp:amber: the stricter
    assert {i.key for i in pack.indicators} == {
        ("ipv4", "198.51.100.23"), ("ipv6", "2001:db8:85a3::8a2e:370:7334"),
        ("domain", "update-check.example.net"), ("url", "https://update-check.example.net/dl/inv.zip"),
        ("email", "hoadon@invoice.example.org"), ("md5", "0cc175b9c0f1b6a831c399e269772661"),
        ("filename", "hoadon.pdf.exe"),
        ("sha256", "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"),
        ("registry-key", "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater"),
        ("mutex", "Global\\inv_sample_mx"), ("sha1", "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"),
        ("filename", "svchost32.exe"),
    }
    assert pack.duplicates == 1  # the domain twice, in two cases
    assert pack.skipped_count == 4  # text and size (not for detection), a bad domain, an AS number
    reasons = " | ".join(s.reason for s in pack.skipped)
    assert "to_ids" in reasons and "not a domain!" in reasons and "AS" in reasons


def test_the_stix_sample_imports_what_it_can_and_says_why_not_the_rest() -> None:
    pack = read_pack((DATA / "stix_bundle_sample.json").read_bytes())
    assert pack.format == "stix" and pack.name == "Webshells on portals (sample)"
    assert pack.tlp is Tlp.AMBER  # stix2's TLP 1.0 amber
    assert {i.key for i in pack.indicators} == {
        ("sha256", "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"),
        ("filename", "cmd.aspx"), ("ipv4", "192.0.2.200"), ("domain", "c2.example.com"),
        ("yara", 'rule sample_aspx_shell { strings: $a = "Request.Form[\\"cmd\\"]" condition: $a }'),
    }
    reasons = {s.where[-2:]: s.reason for s in pack.skipped}
    assert "AND" in reasons["03"] and "invalid STIX pattern" in reasons["04"]
    assert reasons["06"] == "revoked" and "sigma" in reasons["07"]


@pytest.mark.parametrize(("data", "message"), [
    (b"[" * 200_000, "nested too deeply"),
    (b"{" + b'"a":{' * 50_000 + b"}" * 50_001, "nested too deeply"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b'{"type": "bundle", "objects": {"a": 1}}', "must be a list"),
    (b'{"Event": {"Attribute": "x"}}', "must be a list"),
    (b'{"response": 5}', "list of events"),
    (b'{"Event": 5}', "must be an object"),
    (b'{"hello": "world"}', "neither a STIX"),
    (b'{"type": "bundle", "objects": [', "not valid JSON"),
    (b"x" * (MAX_BYTES + 1), "larger than"),
])
def test_hostile_files_are_one_line_errors(data: bytes, message: str) -> None:
    with pytest.raises(IndicatorError, match=message) as caught:
        read_pack(data, "x.json")
    assert "\n" not in str(caught.value)


def test_a_red_report_over_unmarked_indicators_makes_a_red_pack() -> None:
    red = STIX_IDS[Tlp.RED]
    objects = [
        {"type": "indicator", "pattern": "[ipv4-addr:value = '198.51.100.3']", "pattern_type": "stix"},
        {"type": "indicator", "pattern": "[bad", "object_marking_refs": [STIX_IDS[Tlp.AMBER_STRICT]]},
        {"type": "report", "name": "r", "granular_markings": [{"marking_ref": red, "selectors": ["name"]}]},
    ]
    assert read_pack(json.dumps({"type": "bundle", "objects": objects}).encode()).tlp is Tlp.RED
    objects[2] = {"type": "report", "name": "r", "object_marking_refs": [STIX_IDS[Tlp.GREEN]]}
    assert read_pack(json.dumps({"type": "bundle", "objects": objects}).encode()).tlp is Tlp.GREEN


def test_hostile_objects_are_counted_as_skipped() -> None:
    nested = "(" * 400 + "[ipv4-addr:value = '198.51.100.1']" + ")" * 400
    objects: list[object] = [
        5, "text", None, [1, 2],
        {"type": "indicator", "pattern": 12, "pattern_type": "stix"},
        {"type": "indicator", "pattern": "[ipv4-addr:value = 'not an ip']", "pattern_type": "stix"},
        {"type": "indicator", "pattern": "[x-custom:field = 'a']", "pattern_type": "stix"},
        {"type": "indicator", "pattern": "[file:size > 10]", "pattern_type": "stix"},
        {"type": "indicator", "pattern": "[url:value = 'http://a.example/'] WITHIN 5 SECONDS"},
        {"type": "indicator", "pattern": "[" + "a" * 30_000 + "]"},
        {"type": "indicator", "pattern": nested},
        {"type": "indicator", "pattern": "[ipv4-addr:value = '198.51.100.2']", "object_marking_refs": 5},
    ]
    pack = read_pack(json.dumps({"type": "bundle", "objects": objects}).encode())
    assert [i.value for i in pack.indicators] in (["198.51.100.2"], ["198.51.100.1", "198.51.100.2"])
    assert pack.skipped_count == len(objects) - len(pack.indicators)
    assert all("\n" not in s.reason for s in pack.skipped)
    with pytest.raises(PatternError):
        comparisons("[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '1.2.3.5']")


def test_many_misp_objects_are_read_and_too_many_refused() -> None:
    objects = [{"Attribute": [{"type": "md5", "value": f"{i:032x}", "to_ids": True}]} for i in range(60_000)]
    pack = read_pack(json.dumps({"Event": {"info": "many", "Object": objects}}).encode())
    assert len(pack.indicators) == 60_000
    too_many = objects * 2
    with pytest.raises(IndicatorError, match="more than 100000 objects"):
        read_pack(json.dumps({"Event": {"info": "many", "Object": too_many}}).encode())


def test_plain_lists_and_csv() -> None:
    text = ("# from a partner\n198.51.100.9\n\nevil.example.org\n"
            "sha1:86f7e437faa5a7fce15d1ddcb9eaeaea377667b8\nwhat?\n")
    pack = read_pack(text.encode(), "list.txt")
    assert (pack.format, len(pack.indicators), pack.skipped_count) == ("text", 3, 1)
    assert pack.skipped[0].where == "line 6"
    csv = 'type,value,note\nip,10.0.0.5,"inside, sadly"\nfilename,x.exe,\nfoo,bar\nmd5,xyz\n'
    pack = read_pack(csv.encode(), "list.csv")
    assert [(i.kind, i.value, i.note, i.internal) for i in pack.indicators] == [
        (Kind.IPV4, "10.0.0.5", "inside, sadly", True), (Kind.FILENAME, "x.exe", "", False)]
    assert pack.skipped_count == 2


def test_refusals_read_in_vietnamese() -> None:
    from canhgac.i18n import language

    with language("vi"), pytest.raises(IndicatorError) as caught:
        indicator(Kind.MD5, "abc")
    assert str(caught.value).lower() == "'abc' không phải mã băm md5 hợp lệ"
    with language("vi"), pytest.raises(IndicatorError, match="lồng nhau quá sâu"):
        read_pack(b"[" * 100_000)
