"""Run sslyze's command line in this process under the loopback guard (the benchmark's child).

Usage: python -m bench.run_sslyze [sslyze arguments]  (exactly ``python -m sslyze``'s)
"""

from __future__ import annotations

import sys

from canhgac.netguard import install_loopback_guard

if __name__ == "__main__":
    install_loopback_guard()
    from sslyze.__main__ import main

    sys.argv[0] = "sslyze"
    main()
