"""gettext catalogs: compiled .mo files match their .po, Vietnamese is complete, API behaves."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import babel.messages.catalog
import pytest
from babel.messages.catalog import Catalog as PoCatalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from canhgac import i18n

REPO = Path(__file__).resolve().parents[2]
LOCALE = i18n.locale_dir()


def _po(lang: str) -> PoCatalog:
    with (LOCALE / lang / "LC_MESSAGES" / "canhgac.po").open("rb") as f:
        return read_po(f, locale=lang)


def _ids(catalog: PoCatalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def _content(mo: bytes) -> dict[str, object]:
    """What gettext serves from a .mo: plural rule, charset and every message with its translation.

    Not the bytes: the header names the Babel version that compiled the file, and a new
    machine installs a newer Babel than the one the committed files were compiled with.
    """
    catalog = read_mo(io.BytesIO(mo))
    messages = {
        (m.context, m.id if isinstance(m.id, str) else tuple(m.id)):
            m.string if isinstance(m.string, str) else tuple(m.string)
        for m in catalog if m.id
    }
    return {"plural_forms": catalog.plural_forms, "charset": catalog.charset, "messages": messages}


def _compiled(catalog: PoCatalog) -> bytes:
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # what `pybabel compile` writes
    return compiled.getvalue()


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_mo_is_compiled_from_current_po(lang: str) -> None:
    committed = (LOCALE / lang / "LC_MESSAGES" / "canhgac.mo").read_bytes()
    assert _content(committed) == _content(_compiled(_po(lang))), (
        f"{lang} .mo is stale: run `pybabel compile -D canhgac -d src/canhgac/locale`"
    )


def test_fresh_machine_mo_check_ignores_the_babel_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """A .mo compiled by another Babel release passes; a changed or missing translation does not."""
    catalog = _po("vi")
    current = _compiled(catalog)
    monkeypatch.setattr(babel.messages.catalog, "VERSION", "2.14.0")
    older_babel = _compiled(catalog)
    assert b"Generated-By: Babel 2.14.0" in older_babel
    assert older_babel != current
    assert _content(older_babel) == _content(current)
    catalog["Summary"].string = "Tổng hợp"
    assert _content(_compiled(catalog)) != _content(current)
    del catalog["Summary"]
    assert _content(_compiled(catalog)) != _content(current)


def test_vietnamese_is_complete_and_not_fuzzy() -> None:
    catalog = _po("vi")
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"untranslated in vi: {untranslated}"
    assert not fuzzy, f"fuzzy in vi: {fuzzy}"


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)s|\{\w*\}", text))


def test_translations_keep_placeholders() -> None:
    wrong = [
        m.id for m in _po("vi")
        if m.id and isinstance(m.id, str) and _placeholders(m.id) != _placeholders(str(m.string))
    ]
    assert not wrong, f"placeholders differ: {wrong}"


def test_every_extracted_message_is_in_the_catalogs() -> None:
    """Strings marked in code or templates but missing from the .po files (run pybabel update)."""
    with (REPO / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    extracted = {
        msg if isinstance(msg, str) else msg[0]
        for _, _, msg, *_ in extract_from_dir(
            REPO / "src" / "canhgac", method_map, options_map
        )
    }
    for lang in i18n.LANGUAGES:
        missing = sorted(extracted - _ids(_po(lang)))
        assert not missing, f"{lang}: not in the .po (see docs/i18n.md): {missing}"


def test_gettext_follows_the_language() -> None:
    async def in_language(lang: str) -> str:
        i18n.set_language(lang)
        await asyncio.sleep(0)
        return i18n.gettext("Summary")

    async def both() -> list[str]:
        return list(await asyncio.gather(in_language("en"), in_language("vi")))

    assert asyncio.run(both()) == ["Summary", "Tóm tắt"]
    assert i18n.current_language() == i18n.DEFAULT_LANGUAGE  # tasks did not leak their choice
    assert i18n.gettext("Summary") == "Tóm tắt"
    assert i18n.translation("en").gettext("Summary") == "Summary"
    assert i18n.ngettext("%(num)s finding", "%(num)s findings", 2) == "%(num)s phát hiện"
    en = i18n.translation("en")
    assert en.ngettext("%(num)s finding", "%(num)s findings", 1) == "%(num)s finding"
    assert en.ngettext("%(num)s finding", "%(num)s findings", 2) == "%(num)s findings"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        i18n.set_language("fr")
    with pytest.raises(ValueError, match="unsupported language"):
        i18n.translation("fr")


def test_unknown_message_falls_back_to_english() -> None:
    assert i18n.translation("vi").gettext("no such message") == "no such message"
