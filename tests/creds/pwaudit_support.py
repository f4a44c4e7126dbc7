"""Synthetic exports for the password-policy audit: generated here, never real data.

``Plant`` writes a secretsdump-style NTLM dump, a ``user:nthash`` file and a Dovecot passwd-file
for two agencies, with each finding planted on known accounts and 200 strong filler accounts
that must stay clean; ``EXPECTED`` is {account: kinds}. The salted hashes are precomputed
constants (of synthetic passwords, 1,000 rounds to keep the tests quick) so the files do not
depend on this interpreter's ``crypt``.
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path

from pwned_corpus_support import corpus, password, write_ordered

from canhgac.creds.audit.hashing import nt_hash

EMPTY_LM = "aad3b435b51404eeaad3b435b51404ee"
LM_STORED = "e52cac67419a9a224a3b108f3fa6cb6d"  # a synthetic LM hash: present, so weak by design
SHARED = "Shared-Kq7!x-2026"
PLAIN = "Plain-Text-Sekret-1"
REVERSIBLE = "Reversible-Enc-Zq4"
STRONG_SALTED = "Very-Long-unguessable-9"
SHA512_NAME = ("$6$rounds=1000$Syn7hetic0salt1$vMkWtPpYMUJJdjbHJJI/4zkqYNStX"
               "MJKDeQPFEXDoAhxDmfyGfBGp1jRqz734xS83STJUerztHK1zaMfk6MCx/")  # binh123
BLF_COMMON = "$2b$04$Synthetic0salt0for0teeWVMKna2cowM3I4Z5kCyiSMvdb568cAC"  # sunshine
SHA256_STRONG = "$5$rounds=1000$Synthetic0salt2$8QuX7r.EaP6MKwjf8n51/v/L4T9P9eSbULnaUtk7Oa8"  # STRONG_SALTED
MD5_STRONG = "$1$Synth3ic$/FTl.d3dFU.TMEJ1EnzNI/"  # Md5-crypt-strong-77
ARGON_COMMON = ("$argon2id$v=19$m=1024,t=2,p=1$c3ludGhldGljLXNhbHQt"
                "Mw$AOJbGDQwqbNaGsYkSlVO9nYpd9Aa4j55nEiHhfxxs2s")  # qwerty
INVENTORY = """version: 1
province: {code: XX, name: Tỉnh thử}
agencies:
  - code: STTTT
    name: Sở Thông tin và Truyền thông
    kind: department
    domains: [sotttt.example.gov.vn]
  - code: SGD
    name: Sở Giáo dục
    kind: department
    domains: [sogd.example.gov.vn]
"""
NTLM_ROWS = corpus(50, ntlm=True)
SHA1_ROWS = corpus(50)


def nt(pw: str) -> str:
    return nt_hash(pw).hex()


@dataclass
class Plant:
    folder: Path
    passwords: list[str] = field(default_factory=list)  # every planted password (none may be shown)
    hashes: list[str] = field(default_factory=list)  # every planted hash, as written in the files
    expected: dict[str, set[str]] = field(default_factory=dict)

    def _pw(self, pw: str) -> str:
        self.passwords.append(pw)
        return pw

    def _nt(self, pw: str) -> str:
        h = nt(self._pw(pw))
        self.hashes.append(h)
        return h

    def _expect(self, account: str, *kinds: str) -> None:
        self.expected.setdefault(account, set()).update(kinds)

    def ntds(self) -> Path:
        rng = random.Random(5)
        lines = ["[*] Dumping Domain Credentials (domain\\uid:rid:lmhash:nthash)",
                 "[*] Using the DRSUAPI method to get NTDS.DIT secrets"]
        strong: list[str] = []
        for i in range(200):
            pw = self._pw(f"Filler-{rng.getrandbits(64):x}-{i}")
            strong.append(f"SOTTTT\\filler{i:03}:{2000 + i}:{EMPTY_LM}:{self._nt(pw)}::: (status=Enabled)")
        lines += strong[:100]
        lines.append(f"SOTTTT\\breached:1101:{EMPTY_LM}:{self._nt(password(7))}:::")
        self._expect("SOTTTT\\breached", "weak")
        lines.append(f"SOTTTT\\hoa:1102:{EMPTY_LM}:31d6cfe0d16ae931b73c59d7e0c089c0::: (status=Disabled)")
        self._expect("SOTTTT\\hoa", "empty")
        lines.append("SOTTTT\\khoa:1103:NO PASSWORD*********************:NO PASSWORD*********************:::")
        self._expect("SOTTTT\\khoa", "empty")
        lines.append(f"SOTTTT\\lan:1104:{EMPTY_LM}:{self._nt('Lan123')}:::")
        self._expect("SOTTTT\\lan", "user_name")
        self.hashes.append(LM_STORED)
        lines.append(f"SOTTTT\\minh:1105:{LM_STORED}:{self._nt('Minh-Has-LM-88')}:::")
        self._expect("SOTTTT\\minh", "lm_hash")
        lines.append(f"SOTTTT\\tuan:1106:{EMPTY_LM}:{self._nt(SHARED)}::: (pwdLastSet=2026-01-02 10:00)")
        lines.append(f"SOTTTT\\tuan_history0:1106:{EMPTY_LM}:{self._nt(SHARED)}:::")
        lines.append(f"SOTTTT\\tuan_history1:1106:{EMPTY_LM}:{self._nt('Old-Tuan-Pw-1')}:::")
        self._expect("SOTTTT\\tuan", "history_reuse", "shared")
        lines.append(f"SOTTTT\\vy:1107:{EMPTY_LM}:{self._nt(SHARED)}:::")
        lines.append(f"SOTTTT\\vy_history0:1107:{EMPTY_LM}:{self._nt('Old-Vy-Pw-2')}:::")
        self._expect("SOTTTT\\vy", "shared")
        lines.append(f"SOTTTT\\PC01$:1108:{EMPTY_LM}:{self._nt('pc01')}:::")
        self._expect("SOTTTT\\PC01$", "user_name")
        lines.append(f"SOTTTT\\anh:1109:{EMPTY_LM}:{self._nt('sunshine')}:::")
        self._expect("SOTTTT\\anh", "common", "plaintext")
        lines += ["this line is not an account", "SOTTTT\\bad:1110:nothex:alsonothex:::", ":::"]
        lines += strong[100:]
        lines += ["[*] Kerberos keys grabbed",
                  "SOTTTT\\anh:aes256-cts-hmac-sha1-96:" + "ab" * 32, "SOTTTT\\anh:des-cbc-md5:" + "cd" * 8,
                  "[*] ClearText passwords grabbed", f"SOTTTT\\anh:CLEARTEXT:{self._pw(REVERSIBLE)}"]
        path = self.folder / "ntds.ntds"
        path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
        return path

    def plain_nt(self) -> Path:
        lines = [f"giang@sogd.example.gov.vn:{self._nt(SHARED)}",
                 f"hung@sogd.example.gov.vn:{self._nt('Hung-Ok-Pw-31')}",
                 f"loose:{self._nt('Loose-Ok-Pw-45')}"]
        self._expect("giang@sogd.example.gov.vn", "shared")
        path = self.folder / "nt.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def passwd(self) -> Path:
        d = "sotttt.example.gov.vn"
        sha_pw = password(3)
        sha_b64 = base64.b64encode(hashlib.sha1(self._pw(sha_pw).encode()).digest()).decode()
        salt = b"Nacl"
        ssha = base64.b64encode(hashlib.sha1(b"" + salt).digest() + salt).decode()
        salted = [SHA512_NAME, BLF_COMMON, SHA256_STRONG, MD5_STRONG, ARGON_COMMON, sha_b64, ssha]
        self.hashes += salted
        for pw in ("binh123", "sunshine", STRONG_SALTED, "Md5-crypt-strong-77", "qwerty"):
            self._pw(pw)
        ntlm9 = self._nt(password(9))
        lines = [
            "# a Dovecot passwd-file",
            f"an@{d}:{{PLAIN}}{self._pw(PLAIN)}:5000:5000::/var/mail/an",
            f"binh@{d}:{{SHA512-CRYPT}}{SHA512_NAME}:5000:5000::/var/mail/binh",
            f"cuong@{d}:{{BLF-CRYPT}}{BLF_COMMON}",
            f"dao@{d}:{{SHA256-CRYPT}}{SHA256_STRONG}",
            f"duc@{d}:{{MD5-CRYPT}}{MD5_STRONG}",
            f"em@{d}:{{ARGON2ID}}{ARGON_COMMON}",
            f"phuong@{d}:{{SHA}}{sha_b64}",
            f"quang@{d}:{{SSHA}}{ssha}",
            f"son@{d}:{{CRAM-MD5}}" + "0f" * 32,
            f"thu@{d}:{{NTLM}}{ntlm9}",
            f"xuan@{d}:{{NOSUCH}}abc",
            "broken-line-without-password",
            f"Yen@SOTTTT.EXAMPLE.GOV.VN:{{SHA256-CRYPT}}{SHA256_STRONG}",
        ]
        self._expect(f"an@{d}", "plaintext")
        self._expect(f"duc@{d}", "weak_scheme")
        self._expect(f"phuong@{d}", "weak", "weak_scheme")
        self._expect(f"quang@{d}", "empty", "weak_scheme")
        self._expect(f"son@{d}", "not_checked", "weak_scheme")
        self._expect(f"thu@{d}", "weak", "weak_scheme")
        self._expect(f"xuan@{d}", "not_checked")
        from canhgac.creds.audit import hashing

        crypt_ok = hashing.CRYPT is not None
        self._expect(f"binh@{d}", "user_name")  # SHA-crypt: crypt(3), else canhgac's own
        self._expect(f"cuong@{d}", "common" if crypt_ok and hashing.crypt_supports("$2") else "not_checked")
        self._expect(f"em@{d}", "common" if hashing.argon2_available() else "not_checked")
        self._expect(f"dao@{d}", "shared")  # the same salted string copied: the same password
        self._expect("Yen@SOTTTT.EXAMPLE.GOV.VN", "shared")
        if not crypt_ok:
            self._expect(f"duc@{d}", "not_checked")
        path = self.folder / "passwd"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def inventory(self) -> Path:
        path = self.folder / "inventory.yaml"
        path.write_text(INVENTORY, encoding="utf-8")
        return path

    def stores(self) -> tuple[Path, Path]:
        from canhgac.creds.pwned import HashKind, import_corpus

        out = []
        for rows, kind in ((NTLM_ROWS, HashKind.NTLM), (SHA1_ROWS, HashKind.SHA1)):
            text = write_ordered(self.folder / f"{kind.value}.txt", rows)
            import_corpus([text], self.folder / f"{kind.value}.store", kind=kind)
            text.unlink()
            out.append(self.folder / f"{kind.value}.store")
        return out[0], out[1]


def planted(folder: Path) -> tuple[Plant, list[Path]]:
    plant = Plant(folder)
    files = [plant.ntds(), plant.plain_nt(), plant.passwd()]
    return plant, files
