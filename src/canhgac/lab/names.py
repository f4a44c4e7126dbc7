"""The demo province's names that every part of the lab agrees on (servers, plans, DNS zones)."""

ORG = "kiengiang.gov.test"  # the province's own domain
DNSBL_ZONE = "dnsbl.test"  # the lab's DNS blocklist
