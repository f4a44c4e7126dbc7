"""The DOCX templates of the forms: find one (packaged, or the file configuration names), check
that it uses every mandatory field and no unknown one, and render a form into DOCX bytes.

A template is a Word file with Jinja tags (docxtpl's syntax: ``{{ reporter.name }}``,
``{%p for t in doc.to %}``, ``{%tr for row in rows %}``). The packaged ones
(``data/mau-03.docx`` …) are written by ``scripts/make_form_templates.py``. Jinja runs sandboxed
and strict: a template cannot reach Python objects, and a name the context lacks is an error,
never an empty field. Every value is XML-escaped.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate  # type: ignore[import-untyped]
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree  # type: ignore[import-untyped]

from canhgac.i18n import gettext as _
from canhgac.reports.forms.context import FIELDS, context

if TYPE_CHECKING:
    from canhgac.reports.forms.model import FinalReport, InitialReport, PeriodSummary

PACKAGED = {"03": "mau-03.docx", "04": "mau-04.docx", "05": "mau-05.docx"}


class FormTemplateError(ValueError):
    """A template cannot be used: the message (one line) names the file and what is wrong."""


@dataclass(frozen=True, slots=True)
class TemplateCheck:
    """What a template uses: ``missing`` mandatory names (an error), ``unknown`` names (an error:
    a typo would print nothing), ``unused`` optional names (the document will not show them)."""

    form: str
    missing: tuple[str, ...]
    unknown: tuple[str, ...]
    unused: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unknown


def packaged_template(form: str) -> Path:
    """The path of the packaged template of ``form`` ("03", "04", "05")."""
    return Path(str(resources.files("canhgac.reports.forms") / "data" / PACKAGED[form]))


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True)


def _open(source: Path | bytes, where: str) -> DocxTemplate:
    try:
        tpl = DocxTemplate(io.BytesIO(source) if isinstance(source, bytes) else source)
        tpl.init_docx()
    except FileNotFoundError:
        raise FormTemplateError(_("{file}: no such file").format(file=where)) from None
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        raise FormTemplateError(_("{file}: not a Word (.docx) file").format(file=where)) from None
    except OSError as exc:
        raise FormTemplateError(
            _("{file}: cannot be read: {error}").format(file=where, error=exc.strerror or exc)
        ) from None
    return tpl


def _jinja_source(tpl: DocxTemplate) -> str:
    """The template's body, headers and footers as one Jinja source (as docxtpl renders them)."""
    doc: Any = tpl.docx
    xml = tpl.patch_xml(tpl.xml_to_string(doc._element.body))
    for rel in doc.part.rels.values():
        if rel.reltype in (tpl.HEADER_URI, tpl.FOOTER_URI):
            xml += tpl.patch_xml(rel.target_part.blob.decode("utf-8"))
    return str(xml)


def _path(node: nodes.Node, aliases: dict[str, str]) -> str | None:
    """``reporter.name`` for ``reporter.name`` / ``reporter['name']``; a loop variable stands for
    its list's items (``t.name`` in ``for t in doc.to`` is ``doc.to[].name``)."""
    if isinstance(node, nodes.Name):
        return None if node.name == "loop" else aliases.get(node.name, node.name)
    if isinstance(node, nodes.Getattr):
        base = _path(node.node, aliases)
        return None if base is None else f"{base}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        base = _path(node.node, aliases)
        if base is None:
            return None
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            return f"{base}.{node.arg.value}"
        return f"{base}[]"
    return None


def used_names(node: nodes.Node, aliases: dict[str, str] | None = None) -> set[str]:
    """Every value path a Jinja tree reads (``doc.to[].name``, ``rows[].count``)."""
    aliases = aliases or {}
    found: set[str] = set()
    if isinstance(node, nodes.For):
        found |= used_names(node.iter, aliases)
        inner = dict(aliases)
        source = _path(node.iter, aliases)
        if isinstance(node.target, nodes.Name) and source is not None:
            inner[node.target.name] = f"{source}[]"
        for child in node.body:
            found |= used_names(child, inner)
        for child in [*node.else_, *([node.test] if node.test is not None else [])]:
            found |= used_names(child, aliases)
        return found
    if isinstance(node, nodes.Name) and node.ctx != "load":
        return found
    if isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem):
        path = _path(node, aliases)
        if path is not None:
            found.add(path)
        if isinstance(node, nodes.Getitem):
            found |= used_names(node.arg, aliases)
        return found
    for child in node.iter_child_nodes():
        found |= used_names(child, aliases)
    return found


def _prefixes(names: set[str] | dict[str, bool]) -> set[str]:
    out: set[str] = set()
    for name in names:
        parts = name.replace("[]", ".[]").split(".")
        for i in range(1, len(parts) + 1):
            out.add(".".join(parts[:i]).replace(".[]", "[]"))
    return out


def check_template(form: str, source: Path | bytes, name: str | None = None) -> TemplateCheck:
    """What the template at ``source`` (a path, or a file's bytes called ``name`` in messages)
    uses against what ``form`` offers; raises :class:`FormTemplateError` for a file that is not a
    DOCX or whose tags are not valid Jinja."""
    where = name or ("<bytes>" if isinstance(source, bytes) else str(source))
    tpl = _open(source, where)
    try:
        tree = _environment().parse(_jinja_source(tpl))
    except jinja2.TemplateSyntaxError as exc:
        raise FormTemplateError(
            _("{file}: a tag is not valid: {error}").format(file=where, error=exc.message)
        ) from None
    used = used_names(tree)
    fields = FIELDS[form]
    known = _prefixes(fields)
    return TemplateCheck(
        form=form,
        missing=tuple(sorted(name for name, needed in fields.items() if needed and name not in used)),
        unknown=tuple(sorted(name for name in used if name not in known)),
        unused=tuple(sorted(name for name, needed in fields.items() if not needed and name not in used)),
    )


def refusal(check: TemplateCheck, where: str) -> str:
    """The one line that says why a template is refused."""
    parts = []
    if check.missing:
        parts.append(_("missing mandatory tags: {names}").format(names=", ".join(check.missing)))
    if check.unknown:
        parts.append(
            _("unknown tags: {names} (form {form} has no such field)").format(
                names=", ".join(check.unknown), form=check.form
            )
        )
    return _("{file}: form {form}: {problems}").format(file=where, form=check.form, problems="; ".join(parts))


def usable_template(form: str, source: Path | None) -> bytes:
    """The bytes of ``form``'s template: the file ``source`` names (checked first; refused with
    one line when it lacks a mandatory tag or uses an unknown one) or the packaged one."""
    path = packaged_template(form) if source is None else source
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FormTemplateError(_("{file}: no such file").format(file=path)) from None
    except OSError as exc:
        raise FormTemplateError(
            _("{file}: cannot be read: {error}").format(file=path, error=exc.strerror or exc)
        ) from None
    if source is not None:
        check = check_template(form, data, str(source))
        if not check.ok:
            raise FormTemplateError(refusal(check, str(source)))
    return data


def render_docx(report: InitialReport | FinalReport | PeriodSummary, template: bytes) -> bytes:
    """The form filled into ``template`` (a checked template's bytes), as a DOCX file's bytes."""
    tpl = _open(template, "<template>")
    try:
        tpl.render(context(report), jinja_env=_environment(), autoescape=True)
    except (jinja2.TemplateError, etree.XMLSyntaxError) as exc:
        # a tag the check could not see wrong (a loop tag that cuts a table cell in two)
        raise FormTemplateError(_("the template cannot be filled: {error}").format(error=exc)) from None
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()
