"""Every gettext call in src/canhgac can be extracted: a string literal, never inside an f-string.

Babel reads msgids from the source: ``_(f"...")``, ``_("a " + x)`` or ``_(text)`` give it nothing
to extract (the text stays English in every language), and ``f"{_('missed')}"`` hides the call
inside a string token (Python 3.11), so ``missed`` never reached the catalogue. Use
``_("... {x}").format(x=...)``. A msgid that travels as a value is marked with ``N_("...")``
where it is written and looked up with ``canhgac.i18n.translate`` (the sanctioned dynamic lookup,
see docs/i18n.md); only ``canhgac/i18n`` itself, which implements the lookups, is exempt.
"""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src" / "canhgac"
# The names gettext is called by in canhgac (and Babel's default keywords); N_ marks too.
GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext", "N_", "gettext_noop", "dgettext"}
# How many leading arguments are msgids (ngettext: singular and plural).
MSGID_ARGS = {"ngettext": 2, "npgettext": 3, "pgettext": 2, "dgettext": 2}
# the implementation of gettext/translate itself, and the console's bridge from Jinja2's ``_()``
# to the catalogue of the request's language (the msgids are extracted from the templates)
EXEMPT = (SOURCE / "i18n", SOURCE / "web" / "jinja.py")


def _called(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def problems_in(source: str, name: str) -> list[str]:
    """Where ``source`` calls gettext on something Babel cannot extract, or inside an f-string."""
    found: list[str] = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and _called(inner) in GETTEXT:
                    found.append(f"{name}:{inner.lineno}: {ast.unparse(inner)} inside an f-string")
        if isinstance(node, ast.Call) and _called(node) in GETTEXT:
            msgids = node.args[: MSGID_ARGS.get(_called(node) or "", 1)]
            if not msgids or not all(_is_literal(arg) for arg in msgids):
                found.append(f"{name}:{node.lineno}: {ast.unparse(node)} is not a string literal")
    return found


def test_every_gettext_call_is_an_extractable_literal() -> None:
    found: list[str] = []
    for path in sorted(SOURCE.rglob("*.py")):
        if any(path.is_relative_to(exempt) for exempt in EXEMPT):
            continue
        found += problems_in(path.read_text(encoding="utf-8"), str(path.relative_to(SOURCE)))
    assert not found, "gettext calls Babel cannot extract (see docs/i18n.md):\n" + "\n".join(found)


def test_the_scan_catches_each_kind_of_mistake() -> None:
    bad = '''
x = f"[red]{_('missed')}[/]"
y = _(f"{n} results")
z = _("a " + name)
w = _(message)
v = ngettext("one", plural, n)
u = translation("vi").gettext(text)
t = N_(reason)
'''
    lines = sorted(int(p.split(":")[1]) for p in problems_in(bad, "bad.py"))
    assert lines == [2, 3, 4, 5, 6, 7, 8]


def test_the_scan_accepts_what_babel_extracts() -> None:
    good = '''
a = _("Scanned {n} targets").format(n=3)
b = _("a long message "
      "split over lines")
c = ngettext("%(num)s finding", "%(num)s findings", n)
d = N_("outside the agency's scan window")
e = translation(lang).gettext("mail server {name}").format(name=host)
f = f"{count} {label}"
g = translate(reason)
'''
    assert problems_in(good, "good.py") == []
