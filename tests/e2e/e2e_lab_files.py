"""What a CLI scan of the running lab needs on disk: the lab's inventory, its CA, and the flags
that point the scan at the lab's resolver, name-server port, CA file and blocklist zones.

Not a test module: imported by name (pytest puts this folder on ``sys.path``).
"""

from __future__ import annotations

from pathlib import Path

from canhgac.lab.runtime import Lab


def lab_files(workspace: Path, lab: Lab) -> tuple[Path, tuple[str, ...]]:
    """Write the inventory and the CA into ``workspace``; the inventory's path and the scan flags."""
    inventory = workspace / "inventory.yaml"
    inventory.write_text(lab.inventory_yaml, encoding="utf-8")
    ca_file = workspace / "ca.pem"
    ca_file.write_text(lab.ca_pem, encoding="ascii")
    # the demo's DNS patience: the lab answers from this test process, which a loaded machine slows
    flags = ("--resolver", str(lab.resolver), "--nameserver-port", str(lab.nameserver_port),
             "--timeout", "10", "--dns-in-flight", "32",
             "--ca-file", str(ca_file), *(a for z in lab.dnsbl_zones for a in ("--dnsbl-zone", z)))
    return inventory, flags
