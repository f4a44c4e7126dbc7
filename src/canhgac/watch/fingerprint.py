"""A page's fingerprint for drift and defacement judgement: pure, total, bounded.

The visible text and title come from the engine's page parser (``parse_page``), the defacement
keyword and defacer-signature matching from the ``web.defacement`` check (one list, one matcher:
``WebOptions.defacement_keywords``, Vietnamese and English). Text similarity is a MinHash
sketch (the ``K`` smallest hashes of word 3-shingles), so a baseline is small and two pages
compare in microseconds; links are the page's ``<a href>`` targets (from the same parse), hashed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from canhgac.engine.checks.web_hygiene import defacement_matches
from canhgac.engine.facts.web_page import parse_page
from canhgac.watch.facts import PageFingerprint

K = 128  # sketch size
_WORD = re.compile(r"\w+", re.UNICODE)


def _h(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def normalise(text: str) -> str:
    """Case-folded NFC words joined by single spaces: what a visitor reads, not the markup."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFC", text).casefold()))


def hashed_links(links: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({hashlib.sha256(u.encode()).hexdigest()[:12] for u in links}))


def sketch(text: str) -> tuple[int, ...]:
    words = text.split()
    grams = {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))} if words else set()
    return tuple(sorted({_h(g) for g in grams})[:K])


def fingerprint(body: bytes, html: str, url: str, keywords: tuple[str, ...]) -> PageFingerprint:
    """The fingerprint of a page (``html`` is the body decoded, ``body`` as received)."""
    page = parse_page(html, url)
    text = normalise(f"{page.title} {page.text}")
    hits = tuple(dict.fromkeys(m["match"] for m in defacement_matches(page.title, page.text, keywords)))
    return PageFingerprint(
        text_hash=hashlib.sha256(text.encode()).hexdigest(),
        size=len(body),
        shingles=sketch(text),
        links=hashed_links(page.links),
        title=page.title[:200],
        keyword_hits=hits[:10],
    )


def resemblance(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of two texts from their sketches (1.0: both empty)."""
    if not a and not b:
        return 1.0
    union = sorted(set(a) | set(b))[:K]
    both = set(a) & set(b)
    return sum(1 for x in union if x in both) / len(union)


def overlap(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Jaccard similarity of two link sets (1.0: both empty)."""
    sa, sb = set(a), set(b)
    return 1.0 if not sa and not sb else len(sa & sb) / len(sa | sb)
