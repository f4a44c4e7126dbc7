"""The console's templates hold nothing its Content Security Policy would refuse: no inline script,
style element, style attribute, event handler or ``javascript:`` URL, and no resource from
another site. (A browser would refuse them silently; the browser test also watches for it.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import canhgac.web

TEMPLATES = sorted((Path(canhgac.web.__file__).parent / "templates").rglob("*.html"))
REFUSED = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "htmx inline handler": re.compile(r"\shx-on", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "another site": re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I),
}


def test_there_are_templates() -> None:
    assert len(TEMPLATES) >= 10


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_a_template_holds_nothing_the_csp_refuses(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    found = {name for name, pattern in REFUSED.items() if pattern.search(text)}
    assert found == set(), template


@pytest.mark.parametrize("planted", ['<script>alert(1)</script>', '<p style="color:red">',
                                     '<a onclick="x()">', '<style>p{}</style>',
                                     '<script src="https://cdn.example/x.js"></script>'])
def test_the_rules_catch_a_planted_violation(planted: str) -> None:
    assert any(pattern.search(planted) for pattern in REFUSED.values())
