"""The one filename matcher: the same answers as a regex loop, at ≥ 10,000 paths/s."""

from __future__ import annotations

import random
import re
import time

import pytest

from canhgac.sweep.names import NameIndicator, NameMatcher, literal_of


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        (r"\\tasksche\.exe$", "/tasksche.exe"),
        (r"@WanaDecryptor@\.exe", "@wanadecryptor@.exe"),
        (r"[\\/]m_[a-z_]+\.wnry$", ".wnry"),
        (r"evil\d+x?yz", "evil"),
        (r"a|bcdef", ""),
        (r"(?:abc|def)\.exe", ""),  # ".exe" only: under 3 characters after the group? no: 4, kept below
        (r".*\.wncry$", ".wncry"),
    ],
)
def test_required_literal(pattern: str, literal: str) -> None:
    got = literal_of(pattern)
    if pattern.startswith("(?:"):
        assert got in ("", ".exe")
    else:
        assert got == literal


def _random_patterns(rng: random.Random, n: int) -> list[str]:
    words = ["".join(rng.choice("abcdefgh") for _ in range(rng.randrange(3, 6))) for _ in range(n)]
    shapes = [
        r"\\{w}\.exe$",
        r"[\\/]{w}[0-9]{{2}}\.dll$",
        r"{w}",
        r".*{w}\.(?:bat|ps1)$",
        r"(?:{w}|zz{w})\.tmp",
        r"\\temp\\{w}",
        r"^C:\\{w}",
    ]
    return [shapes[i % len(shapes)].format(w=w) for i, w in enumerate(words)]


def test_same_answers_as_the_regex_loop() -> None:
    rng = random.Random(11)
    patterns = _random_patterns(rng, 400)
    matcher = NameMatcher([NameIndicator(p) for p in patterns])
    regexes = [re.compile(p, re.IGNORECASE) for p in patterns]
    for _ in range(3000):
        parts = [
            "".join(rng.choice("abcdefgh0123") for _ in range(rng.randrange(2, 8)))
            for _ in range(rng.randrange(1, 5))
        ]
        ext = rng.choice([".exe", ".dll", ".tmp", ".bat", ".ps1", ""])
        sep = rng.choice(["\\", "/"])
        path = ("C:" if sep == "\\" else "") + sep + sep.join(parts) + ext
        alt = path.replace("\\", "/") if sep == "\\" else path.replace("/", "\\")
        expected = {p for p, rx in zip(patterns, regexes, strict=True) if rx.search(path) or rx.search(alt)}
        assert {m.pattern for m in matcher.match(path)} == expected, path


def test_ten_thousand_indicators_at_ten_thousand_paths_per_second() -> None:
    rng = random.Random(12)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8)) for _ in range(10_000)]
    matcher = NameMatcher([NameIndicator(rf"\\{w}\.exe$") for w in words])
    paths = [f"C:\\Users\\u{i}\\AppData\\Local\\Temp\\{rng.choice(words)}x.exe" for i in range(20_000)]
    paths[7] = f"C:\\Windows\\{words[3]}.exe"
    started = time.process_time()
    hits = sum(len(matcher.match(p)) for p in paths)
    rate = len(paths) / (time.process_time() - started)
    assert hits == 1
    assert rate >= 10_000, f"{rate:,.0f} paths/s"
