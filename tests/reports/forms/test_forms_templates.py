"""The templates are data: the packaged ones are what scripts/make_form_templates.py writes, use
every mandatory field, and a province's replacement is checked before use — a missing mandatory
tag, an unknown tag, a file that is not a DOCX, a broken tag: one line each."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from forms_readback import ReadBack, fixture_config, rendered

from canhgac.i18n import DEFAULT_LANGUAGE, set_language
from canhgac.reports.forms import (
    FIELDS,
    FORMS,
    FormTemplateError,
    check_template,
    packaged_template,
    usable_template,
)
from canhgac.reports.forms.templates import used_names

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language(DEFAULT_LANGUAGE)


def edited(form: str, old: str, new: str, path: Path) -> Path:
    """The packaged template of ``form`` with ``old`` replaced by ``new`` in every paragraph."""
    document = docx.Document(str(packaged_template(form)))
    paragraphs = list(document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                paragraphs.extend(cell.paragraphs)
    hits = 0
    for paragraph in paragraphs:
        for run in paragraph.runs:
            if old in run.text:
                run.text = run.text.replace(old, new)
                hits += 1
    assert hits, f"{old!r} is not in form {form}'s template"
    document.save(str(path))
    return path


def test_packaged_templates_are_what_the_script_writes() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_form_templates.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("form", FORMS)
def test_packaged_template_uses_every_field(form: str) -> None:
    check = check_template(form, packaged_template(form))
    assert check.ok, check
    # the addressees' addresses and e-mail are for the incidents' notifications, not printed
    assert set(check.unused) <= {"doc.to[].address", "doc.to[].email"}


def test_a_replacement_template_is_used(tmp_path: Path) -> None:
    own = edited(
        "04", "BÁO CÁO KẾT THÚC ỨNG PHÓ SỰ CỐ", "BÁO CÁO KẾT THÚC SỰ CỐ (MẪU TỈNH)", tmp_path / "mau-04.docx"
    )
    config = fixture_config().model_copy(update={"form04": str(own)})
    doc = ReadBack(rendered("04", config=config))
    assert "BÁO CÁO KẾT THÚC SỰ CỐ (MẪU TỈNH)" in doc.lines
    assert "BÁO CÁO KẾT THÚC ỨNG PHÓ SỰ CỐ" not in doc.lines


def test_a_replacement_without_a_mandatory_tag_is_refused_in_one_line(tmp_path: Path) -> None:
    own = edited("03", "{{ contact.email }}", "", tmp_path / "mau-03.docx")
    with pytest.raises(FormTemplateError) as caught:
        usable_template("03", own)
    assert str(caught.value) == f"{own}: form 03: missing mandatory tags: contact.email"


def test_an_unknown_tag_is_refused(tmp_path: Path) -> None:
    own = edited("03", "{{ reporter.name }}", "{{ reporter.nmae }}", tmp_path / "typo.docx")
    with pytest.raises(FormTemplateError) as caught:
        usable_template("03", own)
    assert str(caught.value) == (
        f"{own}: form 03: missing mandatory tags: reporter.name; "
        "unknown tags: reporter.nmae (form 03 has no such field)"
    )


def test_a_broken_tag_is_one_line(tmp_path: Path) -> None:
    own = edited("05", "{{ member_code }}", "{% if member_code %}{{ member_code }}", tmp_path / "broken.docx")
    with pytest.raises(FormTemplateError, match=r"broken\.docx: a tag is not valid: "):
        check_template("05", own)


def test_not_a_docx_is_one_line(tmp_path: Path) -> None:
    text = tmp_path / "mau-03.docx"
    text.write_text("not a zip", encoding="utf-8")
    with pytest.raises(FormTemplateError) as caught:
        usable_template("03", text)
    assert str(caught.value) == f"{text}: not a Word (.docx) file"
    with pytest.raises(FormTemplateError) as caught:
        usable_template("03", tmp_path / "absent.docx")
    assert str(caught.value) == f"{tmp_path / 'absent.docx'}: no such file"


def test_loop_variables_name_their_list_items() -> None:
    from jinja2 import Environment

    tree = Environment().parse(
        "{% for t in doc.to %}{{ t.name }}{{ loop.index }}{% endfor %}{{ doc.to[0].email }}"
        "{% for row in rows %}{{ row['count'] }}{% endfor %}{% if not helpers %}x{% endif %}"
    )
    assert used_names(tree) == {
        "doc.to",
        "doc.to[].name",
        "doc.to[].email",
        "rows",
        "rows[].count",
        "helpers",
    }


def test_every_field_is_in_the_context() -> None:
    """FIELDS (what check_template accepts) and the values the forms are rendered with agree."""
    from forms_readback import TODAY, fixture_data

    from canhgac.reports.forms import build_form, context

    def leaves(value: object, prefix: str) -> set[str]:
        if isinstance(value, dict):
            return set().union(*(leaves(v, f"{prefix}.{k}" if prefix else k) for k, v in value.items()))
        if isinstance(value, list):
            return set().union(*(leaves(v, f"{prefix}[]") for v in value)) if value else {f"{prefix}[]"}
        return {prefix}

    for form in FORMS:
        values = context(build_form(form, fixture_data(form), fixture_config(), today=TODAY))
        found = leaves(values, "")
        assert found - set(FIELDS[form]) == set(), form
        lists_left_empty = {"foreign_helpers[]"} if form == "05" else set()
        assert set(FIELDS[form]) - found <= lists_left_empty | {"doc.copies[]"}, form
