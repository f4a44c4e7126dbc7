"""Webshell heuristics for server-side script files (PHP, ASP/ASPX, JSP, CFM), on the bytes the
sweep already read: request input handed to an evaluator or a shell, and the obfuscation
webshells wrap it in. Each marker has a score; a file reaching :data:`THRESHOLD` is a hit that
lists its markers. YARA rules of the starter pack name the known shells; these catch the
one-liners and the variants no rule names (after NSA/ASD's "Detect and prevent web shell
malware", 2020)."""

from __future__ import annotations

import re

THRESHOLD = 60
_IN = rb"\$_(?:post|get|request|cookie|server\s*\[\s*['\"]http_)"
# (name, score, a literal the marker cannot match without, regex on the lower-cased bytes): the
# literal is looked for first (a memchr-speed ``in``), so a file without it costs no regex.
_INPUTS = (b"$_post", b"$_get", b"$_request", b"$_cookie", b"$_server")
# base64 characters to "a", the others to ".": a long encoded blob is then a run of "a" that
# ``in`` finds at memchr speed (a regex with {4000} costs milliseconds per file)
_B64 = bytes(0x61 if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "+/=") else 0x2E for b in range(256))
BLOB = 4000
MARKERS: tuple[tuple[str, int, tuple[bytes, ...] | bytes, re.Pattern[bytes]], ...] = tuple(
    (name, score, gate, re.compile(rx))
    for name, score, gate, rx in (
        (
            "php-eval-request",
            80,
            _INPUTS,
            rb"(?:eval|assert|create_function)\s*\(\s*(?:@\s*)?(?:stripslashes\s*\(\s*)?" + _IN,
        ),
        (
            "php-exec-request",
            80,
            _INPUTS,
            rb"(?:system|passthru|shell_exec|exec|popen|proc_open|pcntl_exec)\s*\(\s*(?:@\s*)?" + _IN,
        ),
        (
            "php-eval-decode",
            60,
            b"eval",
            rb"eval\s*\(\s*(?:@\s*)?(?:base64_decode|gzinflate|gzuncompress|str_rot13|gzdecode|hex2bin)\s*\(",
        ),
        ("php-preg-e", 60, b"preg_replace", rb"preg_replace\s*\(\s*['\"][^'\"]{0,80}/[a-z]*e[a-z]*['\"]\s*,"),
        ("php-variable-function", 40, _INPUTS, rb"\$\w+\s*\(\s*" + _IN),
        (
            "asp-eval-request",
            80,
            b"request",
            rb"(?:eval|execute)\s*\(?\s*request(?:\.item|\.form|\.querystring)?\s*[\[(]",
        ),
        ("aspx-process-start", 40, b"process", rb"process\.start\s*\(|processstartinfo"),
        ("jsp-runtime-exec", 60, b"getruntime", rb"runtime\.getruntime\s*\(\s*\)\s*\.exec\s*\("),
        ("jsp-exec-request", 40, b"getparameter", rb"request\.getparameter\s*\(.{0,120}\.exec\s*\("),
        ("cmd-shell", 20, b" /c ", rb"cmd(?:\.exe)?\s+/c\s|/bin/sh\s+-c"),
    )
)


def _gate(gate: tuple[bytes, ...] | bytes, head: bytes) -> bool:
    return any(g in head for g in gate) if isinstance(gate, tuple) else gate in head


def score(data: bytes) -> tuple[int, list[str]]:
    """The total score of ``data`` and the markers found (at most 1 MB is looked at)."""
    head = data[: 1024 * 1024].lower()
    found = [(name, points) for name, points, gate, rx in MARKERS if _gate(gate, head) and rx.search(head)]
    if len(head) > BLOB and b"a" * BLOB in head.translate(_B64):
        found.append(("long-encoded-blob", 30))
    return sum(p for _n, p in found), [n for n, _p in found]
