"""The inventory files the inventory's page and API cases upload (``inventory_page_cases.py``,
``inventory_api_cases.py``), against the two agencies of ``web_store_support``: one valid file
that changes the store's inventory, one broken file with a problem on known lines."""

from __future__ import annotations

from web_store_support import A

# A renamed, a domain and a portal added; B no longer listed; SO-C new
GOOD = f"""version: 1
province: {{code: PT, name: "Tỉnh Thử"}}
agencies:
  - code: {A}
    name: "Sở Alpha mới"
    kind: department
    domains: [alpha.gov.vn, alpha2.gov.vn]
    portals: ["https://alpha.gov.vn/"]
  - code: SO-C
    name: "Sở Gamma"
    kind: department
    parent: {A}
    domains: [gamma.gov.vn]
"""

# three problems: a bad domain (line 7), a bad code (line 8) and an unknown kind (line 10)
BROKEN = f"""version: 1
province: {{code: PT, name: "Tỉnh Thử"}}
agencies:
  - code: {A}
    name: "Sở Alpha"
    kind: department
    domains: [alpha..gov.vn]
  - code: so-c
    name: "Sở Gamma"
    kind: planet
"""
