"""Benchmark: the password-policy audit (issue 16, item 5), on generated data only.

Standalone (``PYTHONPATH=src python -m bench.pwaudit [--accounts N] [--store-hashes M]``), not part
of ``scripts/dev.py bench``: an NTLM store of random hashes (plus the planted ones), a
secretsdump-style dump of random accounts of which 1 % hold a pwned password and 1 % share one,
then, on one core:

1. NT hashes looked up in the store per second (``PwnedStore.count``, warm);
2. the whole audit (two passes, every check) in accounts per second, with the default user-name
   variants and with ``--suffix ''`` (the name check is most of the cost: an MD4 per variant);
3. one salted hash (SHA512-CRYPT, 5,000 rounds) tried against the candidates: tries per second,
   i.e. what the time cap buys.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

from canhgac.creds.audit import AuditOptions, audit_files, default_suffixes, hashing
from canhgac.creds.pwned import HashKind, import_corpus, open_store

EMPTY_LM = "aad3b435b51404eeaad3b435b51404ee"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=50_000)
    ap.add_argument("--store-hashes", type=int, default=1_000_000)
    a = ap.parse_args()
    rng = random.Random(16)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pwned = [hashing.nt_hash(f"bench-pwned-{i}") for i in range(1000)]
        rows = {os.urandom(16).hex().upper(): rng.randint(1, 1000) for _ in range(a.store_hashes)}
        rows.update({h.hex().upper(): 42 for h in pwned})
        text = folder / "ntlm.txt"
        text.write_text("".join(f"{h}:{c}\n" for h, c in sorted(rows.items())), encoding="ascii")
        import_corpus([text], folder / "ntlm.store", kind=HashKind.NTLM)
        text.unlink()
        store = open_store(folder / "ntlm.store")
        shared = hashing.nt_hash("bench-shared").hex()
        dump = folder / "dump.ntds"
        with dump.open("w", encoding="ascii") as f:
            for i in range(a.accounts):
                roll = rng.random()
                nt = pwned[i % 1000].hex() if roll < 0.01 else shared if roll < 0.02 else os.urandom(16).hex()
                f.write(f"BENCH\\user{i:07}:{1000 + i}:{EMPTY_LM}:{nt}::: (status=Enabled)\n")
        probes = [bytes.fromhex(h) for h in list(rows)[:100_000:2]] + [os.urandom(16) for _ in range(50_000)]
        start = time.perf_counter()
        hits = sum(1 for d in probes if store.count(d))
        lookups = len(probes) / (time.perf_counter() - start)
        print(f"store: {len(rows):,} NT hashes; {lookups:,.0f} lookups/s warm ({hits:,} hits)")
        for label, suffixes in (("default name variants", default_suffixes()), ("--suffix ''", ("",))):
            start = time.perf_counter()
            report = audit_files([dump], AuditOptions(ntlm_store=store, suffixes=suffixes))
            seconds = time.perf_counter() - start
            kinds = report.kinds()
            print(f"audit, {label}: {a.accounts:,} accounts in {seconds:.1f} s = {a.accounts / seconds:,.0f}/s "
                  f"(weak {kinds['weak']:,}, shared {kinds['shared']:,})")
        if hashing.CRYPT is not None:
            stored = hashing.CRYPT.crypt("Not-In-Any-List-1", "$6$benchsalt$")
            words = [f"cand-{i}" for i in range(200)]
            start = time.perf_counter()
            for w in words:
                hashing.crypt_check(stored, w)
            print(f"SHA512-CRYPT (5,000 rounds): {len(words) / (time.perf_counter() - start):,.0f} tries/s")


if __name__ == "__main__":
    main()
