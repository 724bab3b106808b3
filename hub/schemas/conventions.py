"""How the published schema sets are recognised without a manifest: one data table.

Each rule names an *anchor* file: a regular expression matched (in full) against a file's POSIX path
relative to a ``HUB_SCHEMA_PATH`` directory. Its group ``folder`` is the set's folder and ``version``
its version (or ``version_from_namespace`` reads it from the first entry's target namespace). The
other fields are globs relative to that folder (``{version}`` and ``{version_path}``, the version with
dots as slashes, are filled in). ``fallback_entries`` apply when ``entries`` match nothing (xdomea
2.x has no ``xdomea.xsd`` that includes all messages).

A set folder with a ``hub-schema-set.yaml`` manifest is never matched by these rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Convention:
    standard: str
    set_id: str
    anchor: re.Pattern[str]
    entries: tuple[str, ...] = ()
    fallback_entries: tuple[str, ...] = ()
    default_entry: str | None = None
    schematron: tuple[str, ...] = ()
    json_schemas: tuple[str, ...] = ()
    url_map: tuple[tuple[str, str], ...] = ()
    version_from_namespace: re.Pattern[str] | None = None  # overrides the anchor's version group


_VERSION = r"(?P<version>\d+(?:\.\d+)+)"

CONVENTIONS: tuple[Convention, ...] = (
    Convention(
        standard="XBau",
        set_id="xbau-{version}",
        anchor=re.compile(rf"(?P<folder>(?:.+/)?xbau[-_]?{_VERSION})/xsd/xbau-nachrichten-baugenehmigung\.xsd"),
        entries=("xsd/xbau-nachrichten-*.xsd",),
        default_entry=None,  # all message XSDs share one namespace: validate against all of them
        schematron=("schematron/*.sch",),
        # The DVDV WSDLs import the XSDs from xleitstelle.de; xml.xsd is imported by W3C URL.
        url_map=(
            ("https://xleitstelle.de/xbau/schema/{version_path}/", "xsd/"),
            ("http://www.xleitstelle.de/xbau/schema/{version_path}/", "xsd/"),
            ("http://www.w3.org/2001/xml.xsd", "xsd/xml.xsd"),
            ("http://www.w3.org/2009/01/xml.xsd", "xsd/xml.xsd"),
        ),
    ),
    Convention(
        standard="XTA 2",
        set_id="xta2-{version}",
        anchor=re.compile(rf"(?P<folder>(?:.+/)?xta2?[-_]?{_VERSION})/XTA\.wsdl"),
        # The WSDL's <types> schema includes the XTA XSDs and imports OSCI: the web service's vocabulary.
        entries=("XTA.wsdl",),
        fallback_entries=("XTA-Webservice-*.xsd",),
    ),
    Convention(
        standard="xdomea",
        set_id="xdomea-{version}",
        # Any folder holding xdomea-Baukasten.xsd: XRepository zips name their folders freely, so the
        # version comes from the namespace (urn:xoev-de:xdomea:schema:3.1.0), not from a folder name.
        anchor=re.compile(r"(?P<folder>(?:.+/)?)xdomea-Baukasten\.xsd"),
        version_from_namespace=re.compile(rf"urn:xoev-de:xdomea:schema:{_VERSION}"),
        entries=("xdomea.xsd",),
        fallback_entries=("xdomea-Nachrichten-*.xsd",),
    ),
    Convention(
        standard="XGewerbeanzeige",
        set_id="xgewerbeanzeige-{version}",
        # As KoSIT's validator configuration names it; the version is the namespace's
        # (http://www.xgewerbeanzeige.de/spezifikation/2.2). Not available offline: the specs for it
        # build in spec order until such a set is installed (see hub/mapping/xml/spec_order.py).
        anchor=re.compile(r"(?P<folder>(?:.+/)?)xgewerbeanzeige\.xsd"),
        version_from_namespace=re.compile(rf"http://www\.xgewerbeanzeige\.de/spezifikation/{_VERSION}"),
        entries=("xgewerbeanzeige.xsd",),
    ),
    Convention(
        standard="FIT-Connect metadata",
        set_id="fit-connect-metadata-{version}",
        anchor=re.compile(rf"(?P<folder>(?:.+/)?fit-connect[^/]*)/metadata-{_VERSION}\.schema\.json"),
        json_schemas=("metadata-{version}.schema.json",),
    ),
)
