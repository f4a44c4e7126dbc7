"""Canonical component names, and how OSV packages, NVD CPE products and users name them.

The identification (``collectors.web_components``) names what it finds with these canonical
names; importers map a feed's names onto them so that a match is a plain string comparison.
A product canhgac does not know keeps a prefixed name (``cpe:vendor:product``,
``osv:ecosystem:name``): it is stored and can be looked up, but nothing is identified as it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

JOOMLA = "joomla"
WORDPRESS = "wordpress"
DRUPAL = "drupal"
DNN = "dotnetnuke"
LIFERAY = "liferay-portal"
APACHE = "apache-httpd"
NGINX = "nginx"
IIS = "microsoft-iis"
PHP = "php"
JQUERY = "jquery"
ASPNET = "aspnet"
SHAREPOINT = "sharepoint"

CANONICAL: frozenset[str] = frozenset(
    {JOOMLA, WORDPRESS, DRUPAL, DNN, LIFERAY, APACHE, NGINX, IIS, PHP, JQUERY, ASPNET, SHAREPOINT}
)

# (vendor, product) of CPE 2.3 names, unescaped (NVD writes joomla\!)
_CPE: dict[tuple[str, str], str] = {
    ("joomla", "joomla!"): JOOMLA,
    ("joomla", "joomla"): JOOMLA,
    ("wordpress", "wordpress"): WORDPRESS,
    ("drupal", "drupal"): DRUPAL,
    ("dnnsoftware", "dotnetnuke"): DNN,
    ("dotnetnuke", "dotnetnuke"): DNN,
    ("dnnsoftware", "dnn_platform"): DNN,
    ("liferay", "liferay_portal"): LIFERAY,
    ("apache", "http_server"): APACHE,
    ("f5", "nginx"): NGINX,
    ("nginx", "nginx"): NGINX,
    ("igor_sysoev", "nginx"): NGINX,
    ("microsoft", "internet_information_services"): IIS,
    ("microsoft", "internet_information_server"): IIS,
    ("microsoft", "iis"): IIS,
    ("php", "php"): PHP,
    ("jquery", "jquery"): JQUERY,
}

# (ecosystem, package) of OSV records, lower-cased
_OSV: dict[tuple[str, str], str] = {
    ("packagist", "joomla/joomla-cms"): JOOMLA,
    ("packagist", "joomla/cms"): JOOMLA,
    ("packagist", "johnpbloch/wordpress"): WORDPRESS,
    ("packagist", "johnpbloch/wordpress-core"): WORDPRESS,
    ("packagist", "roots/wordpress"): WORDPRESS,
    ("packagist", "roots/wordpress-no-content"): WORDPRESS,
    ("packagist", "drupal/core"): DRUPAL,
    ("packagist", "drupal/drupal"): DRUPAL,
    ("nuget", "dotnetnuke.core"): DNN,
    ("npm", "jquery"): JQUERY,
    ("nuget", "jquery"): JQUERY,
}

# what people type on the command line
_NAMES: dict[str, str] = {
    "joomla!": JOOMLA, "wp": WORDPRESS, "dnn": DNN, "liferay": LIFERAY, "apache": APACHE,
    "httpd": APACHE, "apache-http-server": APACHE, "iis": IIS, "microsoft-iis": IIS,
    "asp.net": ASPNET,
}


def from_cpe(vendor: str, product: str) -> str:
    key = (vendor.lower(), product.lower())
    return _CPE.get(key, f"cpe:{key[0]}:{key[1]}")


def from_osv(ecosystem: str, name: str) -> str:
    eco = ecosystem.split(":", 1)[0].strip().lower()
    key = (eco, name.strip().lower())
    return _OSV.get(key, f"osv:{key[0]}:{key[1]}")


def normalise(name: str) -> str:
    """A user's component name as stored: canonical when known, else lower-cased as given."""
    cleaned = name.strip().lower().replace(" ", "-").replace("_", "-")
    if cleaned in CANONICAL:
        return cleaned
    return _NAMES.get(cleaned, name.strip().lower())


def _product(stored: str) -> str:
    """The product part of a stored name: ``cpe:vendor:some_product`` → ``some-product``."""
    return stored.rsplit(":", 1)[-1].replace("_", "-")


def similar(name: str, known: Iterable[str], limit: int = 5) -> list[str]:
    """Known component names close to ``name``, best first: the same product under a prefixed
    name (``social-warfare`` → ``cpe:warfareplugins:social_warfare``), then names spelled alike."""
    names = sorted(set(known))
    wanted = name.strip().lower()
    key = wanted.replace("_", "-").replace(" ", "-")
    same = [n for n in names if _product(n) == key or (len(key) >= 4 and key in _product(n))]
    products: dict[str, str] = {}
    for n in names:
        products.setdefault(_product(n), n)
    alike = [products[p] for p in difflib.get_close_matches(key, list(products), n=limit, cutoff=0.7)]
    alike += difflib.get_close_matches(wanted, names, n=limit, cutoff=0.7)
    return list(dict.fromkeys([*same, *alike]))[:limit]
