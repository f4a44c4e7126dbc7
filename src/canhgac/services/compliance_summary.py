"""The province summary of the directive for the People's Committee, as DOCX and HTML.

The DOCX is a docxtpl template as data (``compliance/data/tong-hop-KG20.docx``, written by
``scripts/make_compliance_template.py`` with the forms' masthead, addressees and signature
block), filled the way the forms are: sandboxed, strict Jinja, every value escaped. The document
header (issuer, signer, the file mark, the People's Committee as addressee) comes from the
settings file's ``[forms]`` table, as for forms 03–05; a field left unset prints as a dotted line
to fill in by hand, since this is a draft the Department signs.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate  # type: ignore[import-untyped]
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree  # type: ignore[import-untyped]

from canhgac.compliance import Compliance, ProvinceSummary, summarise
from canhgac.i18n import gettext as _
from canhgac.reports.forms.config import FormsConfig
from canhgac.reports.forms.context import date_line

if TYPE_CHECKING:
    from canhgac.console.store.queries import ViewerScope

TEMPLATE = "tong-hop-KG20.docx"
BLANK = "…………"


class SummaryError(ValueError):
    """The summary cannot be written: one line saying why."""


def province_summary(scope: ViewerScope, compliance: Compliance, lang: str) -> ProvinceSummary:
    """The summary of ``compliance`` with the agencies' names and officers ``scope`` may see
    (the store is read here only: the renderings below need no Django)."""
    from canhgac.console.store import compliance_queries as cq
    from canhgac.console.store import queries

    names = {a.code: a.name for a in queries.agencies(scope, compliance.agencies)}
    return summarise(compliance, names, cq.officers(scope), lang)


def _vi_date(day: dt.date | None) -> str:
    return "" if day is None else f"{day.day:02d}/{day.month:02d}/{day.year}"


def summary_context(summary: ProvinceSummary, config: FormsConfig, number: str = "") -> dict[str, Any]:
    """What the template reads: ``doc`` (the header blocks), ``s``, ``tasks`` and ``late``."""
    issuer, signer = config.issuer, config.signer
    to = config.authorities.get("line-authority")
    doc = {
        "issuer_parent": issuer.parent.upper(),
        "issuer_name": (issuer.name or BLANK).upper(),
        "number": config.number(number, summary.today.year) if number else f"{BLANK}/BC",
        "place_date": date_line(issuer.place or BLANK, summary.today),
        "to": [{"name": to.name if to is not None and to.name else "Ủy ban nhân dân tỉnh"}],
        "copies": [],
        "filed_as": config.filed_as,
        "signer_authority": signer.authority.upper(),
        "signer_title": (signer.title or BLANK).upper(),
        "signer_name": signer.name or BLANK,
    }
    deadline = (
        f"Thời hạn hoàn thành tính theo ngày bắt đầu kỳ nghỉ {_vi_date(summary.holiday)}."
        if summary.holiday
        else "Chưa đặt ngày bắt đầu kỳ nghỉ, nên chưa xác định nội dung trễ hạn."
    )
    late = [
        {
            "no": str(n),
            "task": task.id,
            "agency": line.agency_name,
            "item": line.item_title,
            "due": _vi_date(line.due),
            "officers": ", ".join(line.officers) or "—",
        }
        for n, (task, line) in enumerate(((t, line) for t in summary.tasks for line in t.late_items), start=1)
    ]
    return {
        "doc": doc,
        "s": {
            "source": summary.source,
            "date": _vi_date(summary.today),
            "holiday": _vi_date(summary.holiday),
            "agencies": str(summary.agencies),
            "deadline": deadline,
        },
        "tasks": [
            {
                "id": t.id,
                "title": t.title,
                "responsible": t.responsible,
                "done": str(t.done),
                "partly": str(t.partly),
                "not_done": str(t.not_done),
                "late": str(t.late),
                "not_measured": str(t.not_measured),
            }
            for t in summary.tasks
        ],
        "late": late,
    }


def packaged_template() -> Path:
    return Path(str(resources.files("canhgac.compliance") / "data" / TEMPLATE))


def render_docx(
    summary: ProvinceSummary, config: FormsConfig, *, template: Path | None = None, number: str = ""
) -> bytes:
    """The summary as a DOCX file's bytes, from ``template`` (the packaged one by default)."""
    where = template or packaged_template()
    try:
        tpl = DocxTemplate(io.BytesIO(where.read_bytes()))
        tpl.init_docx()
    except FileNotFoundError:
        raise SummaryError(_("{file}: no such file").format(file=where)) from None
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        raise SummaryError(_("{file}: not a Word (.docx) file").format(file=where)) from None
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True)
    try:
        tpl.render(summary_context(summary, config, number), jinja_env=env, autoescape=True)
    except (jinja2.TemplateError, etree.XMLSyntaxError) as exc:
        raise SummaryError(_("the template cannot be filled: {error}").format(error=exc)) from None
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def render_html(summary: ProvinceSummary, config: FormsConfig, *, number: str = "") -> str:
    """The summary as one self-contained HTML page (no script, no outside resource): the same
    document as the DOCX, in Vietnamese as the DOCX is."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("canhgac.compliance", "data"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    page = env.get_template("summary.html")
    return page.render(c=summary_context(summary, config, number))
