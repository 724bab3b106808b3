"""The service catalogue: every Leistung the region's portals may offer, keyed by its LeiKa key.

``entry.py`` is the catalogue itself (what the hub loads at start-up from the config directory),
``offers.py`` the rule saying which catalogued services a municipality offers, ``mysql_dump.py``
and ``ozg_nrw.py`` the importer that turns KDN NRW's OZG database into the catalogue file
(``hub catalogue import``). The catalogue is data the deployment ships, never read from the
importer's source at run time.
"""

from hub.catalogue.entry import Catalogue, CatalogueEntry, ServiceKind, load_catalogue
from hub.catalogue.offers import Offers

__all__ = ["Catalogue", "CatalogueEntry", "Offers", "ServiceKind", "load_catalogue"]
