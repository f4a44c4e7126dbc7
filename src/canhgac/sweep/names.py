"""File name and path indicators in ONE matcher, so a path costs one pass whatever the number
of indicators (Loki loops over every regex for every file: 10,000 indicators = 10,000 searches).

Each indicator (a regex, as signature-base's ``filename-iocs.txt`` has them, or a plain name) is
reduced to a literal it cannot match without (its longest required run of plain characters);
the literals go into an Aho-Corasick automaton walked once over the lower-cased path, and only the
indicators whose literal occurs are confirmed with their own regex. Indicators with no usable
literal (rare: ``.*\\.exe`` style) are joined into one alternation with named groups.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

_META = set(".^$*+?{}[]|()\\")
_QUANT = set("*?{")
_ESCAPED_LITERAL = set(".\\/-_ :$^*+?{}[]()|'\"#%&,;<=>@!~`")
MIN_LITERAL = 3


@dataclass(frozen=True, slots=True)
class NameIndicator:
    """One file name indicator: ``pattern`` a regex matched (case-insensitive) anywhere in the
    full path with ``/`` and ``\\`` both as separators; ``score`` as signature-base gives it."""

    pattern: str
    note: str = ""
    score: int = 75
    pack: str = ""


def literal_of(pattern: str) -> str:
    """The longest run of plain characters every match of ``pattern`` contains ('' if unsure).

    Conservative: a top-level ``|``, or a construct not understood, gives ''. Groups
    and classes break a run; a quantified character is dropped from its run."""
    if pattern.startswith("(?") and not pattern.startswith(("(?i)", "(?:")):
        return ""
    text = pattern[4:] if pattern.startswith("(?i)") else pattern
    runs: list[str] = []
    run: list[str] = []
    depth = 0
    i = 0

    def cut() -> None:
        if run:
            runs.append("".join(run))
            run.clear()

    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            i += 2
            if nxt in _ESCAPED_LITERAL and depth == 0:
                if i < len(text) and text[i] in _QUANT:
                    cut()
                else:
                    run.append(nxt)
            else:
                cut()  # \d, \w, \b, \x41 ...: not followed here
            continue
        if ch == "[":
            cut()
            end = text.find("]", i + 2)
            if end < 0:
                return ""
            i = end + 1
            continue
        if ch == "|" and depth == 0:
            return ""  # a top-level alternative: no literal is required
        if ch == "|" and depth == 0:
            return ""  # a top-level alternative: no literal is required
        if ch == "(":
            depth += 1
            cut()
        elif ch == ")":
            depth -= 1
            cut()
            i += 1
            continue
        elif ch in _QUANT or ch == "+":
            if ch != "+" and run:
                run.pop()  # the quantified character is optional
            cut()
            if ch == "{":
                end = text.find("}", i)
                i = end + 1 if end > 0 else len(text)
                continue
        elif ch in _META:
            cut()
        elif depth == 0:
            run.append(ch)
        i += 1
    cut()
    best = max(runs, key=len, default="")
    return best.lower().replace("\\", "/") if len(best) >= MIN_LITERAL else ""


class _AhoCorasick:
    """Multi-literal search: all (possibly overlapping) literals found in one walk of the text."""

    def __init__(self, words: list[str]) -> None:
        self.goto: list[dict[str, int]] = [{}]
        self.out: list[tuple[int, ...]] = [()]
        outs: list[list[int]] = [[]]
        for index, word in enumerate(words):
            state = 0
            for ch in word:
                nxt = self.goto[state].get(ch)
                if nxt is None:
                    nxt = len(self.goto)
                    self.goto[state][ch] = nxt
                    self.goto.append({})
                    outs.append([])
                state = nxt
            outs[state].append(index)
        self.fail = [0] * len(self.goto)
        queue = deque(self.goto[0].values())
        while queue:
            state = queue.popleft()
            for ch, nxt in self.goto[state].items():
                queue.append(nxt)
                f = self.fail[state]
                while f and ch not in self.goto[f]:
                    f = self.fail[f]
                target = self.goto[f].get(ch, 0)
                self.fail[nxt] = target if target != nxt else 0
                outs[nxt].extend(outs[self.fail[nxt]])
        self.out = [tuple(o) for o in outs]

    def search(self, text: str) -> set[int]:
        goto, fail, out = self.goto, self.fail, self.out
        state = 0
        found: set[int] = set()
        for ch in text:
            while True:
                nxt = goto[state].get(ch)
                if nxt is not None:
                    state = nxt
                    break
                if state == 0:
                    break
                state = fail[state]
            if out[state]:
                found.update(out[state])
        return found


class NameMatcher:
    """Every name indicator compiled once; :meth:`match` gives those a path matches."""

    def __init__(self, indicators: list[NameIndicator]) -> None:
        self.indicators: list[NameIndicator] = []
        self._regexes: list[re.Pattern[str] | None] = []  # compiled when first a candidate
        self.invalid: list[str] = []
        literals: list[str] = []
        self._literal_owner: list[list[int]] = []
        by_literal: dict[str, int] = {}
        residual: list[tuple[int, str]] = []
        for ind in indicators:
            lit = literal_of(ind.pattern)
            if not lit:
                try:
                    re.compile(ind.pattern, re.IGNORECASE)
                except re.error:
                    self.invalid.append(ind.pattern)
                    continue
            index = len(self.indicators)
            self.indicators.append(ind)
            self._regexes.append(None)
            if lit:
                if lit not in by_literal:
                    by_literal[lit] = len(literals)
                    literals.append(lit)
                    self._literal_owner.append([])
                self._literal_owner[by_literal[lit]].append(index)
            else:
                residual.append((index, ind.pattern))
        self._ac = _AhoCorasick(literals)
        self._residual: re.Pattern[str] | None = None
        self._residual_ids = [index for index, _ in residual]
        if residual:
            self._residual = re.compile("|".join(f"(?:{p})" for _, p in residual), re.IGNORECASE)

    def __len__(self) -> int:
        return len(self.indicators)

    def match(self, path: str) -> list[NameIndicator]:
        """The indicators ``path`` matches (``\\`` is read as ``/`` too, as both OSes write them)."""
        if not self.indicators:
            return []
        lowered = path.lower().replace("\\", "/")
        candidates: set[int] = set()
        for lit in self._ac.search(lowered):
            candidates.update(self._literal_owner[lit])
        if self._residual is not None and self._residual.search(path):
            candidates.update(self._residual_ids)
        if not candidates:
            return []
        alt = path.replace("/", "\\") if "/" in path else path.replace("\\", "/")
        found = []
        for i in sorted(candidates):
            rx = self._regexes[i]
            if rx is None:
                try:
                    rx = self._regexes[i] = re.compile(self.indicators[i].pattern, re.IGNORECASE)
                except re.error:  # a bad pattern with a literal: it never matches
                    rx = self._regexes[i] = re.compile(r"(?!)")
                    self.invalid.append(self.indicators[i].pattern)
            if rx.search(path) or rx.search(alt):
                found.append(self.indicators[i])
        return found
