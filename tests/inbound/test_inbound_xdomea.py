"""A received XÖV message wrapped as xdomea 3.1.0 for the town's DMS, beside its Fachverfahren, end to end.

Real servers on loopback: the XTA simulator holding Gladbeck's Gewerbeamt box, a second XTA
simulator as the Gewerbe back office (``gladbeck-gewerbe``), the DMS simulator (``gladbeck-dms``,
``fachverfahren-xdomea`` over HTTP), the hub's worker, SQLite and PostgreSQL. The KoSIT
XGewerbeanzeige 2.2 sample with a PDF reaches both once: the back office as it came, the DMS as an
xdomea container whose message is valid against the official XSD and whose first document is the
received message byte for byte, the PDF beside it.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from lxml import etree

from connectors.xoev.xta import XtaClient, XtaContent
from hub.bootstrap import HubContext, build
from hub.schemas import SchemaCatalog
from hub.sim.dms import create_dms_app
from hub.sim.kit.server import ServerThread
from hub.xml import parse_xml
from tests.conftest import make_settings
from tests.inbound.inbound_support import DESTINATION, SAMPLE_UUID, SOURCE_ID, put, sample
from tests.support.waiting import wait_for

DMS = "gladbeck-dms"
X = "{urn:xoev-de:xdomea:schema:3.1.0}"
PDF = XtaContent(b"%PDF-1.7 Gewerbeanmeldung " + os.urandom(1024), "application/pdf", filename="anzeige.pdf")


@pytest.fixture(scope="session")
def catalog() -> SchemaCatalog:
    return SchemaCatalog.from_env()


@pytest.fixture(scope="session")
def dms_server(catalog: SchemaCatalog) -> Iterator[ServerThread]:
    with ServerThread(create_dms_app(catalog)) as server:
        yield server


@pytest.fixture
def dms(dms_server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=dms_server.url, timeout=10) as control:
        control.delete("/_sim/faults").raise_for_status()
        control.delete("/_sim/messages").raise_for_status()
        yield control


def _with_dms(region: Path, dms_url: str, transport: str = "http", routes: list[dict[str, Any]] | None = None) -> None:
    """``{slug}-dms`` as in the real region (xdomea 3.1.0 to the DMS), and the box's cases routed to it too
    (or, given ``routes``, the box's default left as it is and the routes added)."""
    path = region / "region.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings: dict[str, Any] = {
        "transport": transport,
        "url": f"{dms_url}/dms/{{slug}}/xdomea",
        "author": {"prefix": "psw", "code": "{ags}", "name": "Serviceportal {name}"},
        "reader": {"prefix": "dms", "code": "{ags}", "name": "DMS {name}"},
        "timeoutSeconds": 5,
    }
    raw["destinationTemplates"].append(
        {
            "id": "{slug}-dms",
            "name": "DMS (e-Akte) {name}",
            "connector": "fachverfahren-xdomea",
            "standard": "xdomea-3.1.0",
            "settings": settings,
            "retry": {"initialSeconds": 0.2, "multiplier": 2, "maxSeconds": 1, "jitter": 0, "maxAttempts": 5},
            "circuit": {"failureThreshold": 50, "openSeconds": 1},
        }
    )
    if routes is None:
        raw["inbound"][0]["destinations"] = [DESTINATION, DMS]
    else:
        raw["inbound"][0]["routes"] = routes
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")


def _hub(database_url: str, region: Path) -> HubContext:
    settings = make_settings(database_url, region, inbound_lease_seconds=2.0, inbound_poll_seconds=0)
    ctx = build(settings, migrate=True, api=False)
    ctx.start_worker(threads=2)
    return ctx


def _poll(ctx: HubContext) -> tuple[int, int, int, str | None]:
    report = ctx.inbound.poll()
    [source] = report.sources
    return source.received, source.quarantined, source.duplicates, source.error


def _filed(dms: httpx.Client) -> dict[str, Any]:
    def filed() -> list[dict[str, Any]] | None:
        answer = dms.get("/_sim/messages")
        answer.raise_for_status()
        found: list[dict[str, Any]] = answer.json()
        return found or None

    messages = wait_for(filed, timeout=20, what="the case filed at the DMS")
    assert messages is not None
    [message] = messages
    return message


def test_a_received_message_reaches_the_dms_wrapped_as_xsd_valid_xdomea_and_the_back_office_as_it_came(
    database_url: str,
    inbound_region: Path,
    xta_sim: httpx.Client,
    portal: XtaClient,
    backoffice_xta: httpx.Client,
    dms: httpx.Client,
    dms_server: ServerThread,
    catalog: SchemaCatalog,
) -> None:
    _with_dms(inbound_region, dms_server.url)
    ctx = _hub(database_url, inbound_region)
    try:
        # Given the KoSIT sample with a PDF in Gladbeck's Gewerbeamt box
        message = sample()
        put(portal, message, (PDF,))

        # When the hub polls, then one case with a delivery to each destination, both delivered once
        assert _poll(ctx) == (1, 0, 0, None)
        [case] = ctx.inbound.recent()
        shown = ctx.inbound.show(case.id)
        assert shown is not None
        assert shown.submission_id is not None

        def delivered() -> Any:
            view = ctx.submissions.get(shown.submission_id or "")
            return view if view is not None and view.status == "delivered" else None

        view = wait_for(delivered, timeout=20, what="both deliveries")
        assert sorted((d.destination_id, d.attempts) for d in view.deliveries) == [(DMS, 1), (DESTINATION, 1)]
        [at_dms] = [d for d in view.deliveries if d.destination_id == DMS]
        filed = _filed(dms)
        assert at_dms.receipt["reference"] == filed["answer"]["aktenzeichen"]

        # The back office got the XÖV message as it came
        [passed_on] = backoffice_xta.get("/_sim/messages").json()
        assert base64.b64decode(passed_on["message"]["data"]) == message

        # The DMS: an xdomea 0605 valid against the official XSD, the XÖV message inside byte for byte, the PDF
        assert filed["messageName"].endswith("_FVDaten.SGOAblegen.0605.xml")
        root = parse_xml(filed["xml"].encode())
        assert catalog.validator("xdomea-3.1.0", "xdomea.xsd").validate(root) == []
        files = {f["name"]: base64.b64decode(f["data"]) for f in filed["files"]}
        vorgang = root.find(f"{X}SchriftgutobjektZumAblegen/{X}Schriftgutobjekt/{X}Vorgang")
        assert vorgang is not None
        dokumente = vorgang.findall(f"{X}Dokument")
        names = [d.findtext(f".//{X}Primaerdokument/{X}Dateiname") for d in dokumente]
        assert len(names) == 2
        assert files[names[0] or ""] == message
        assert files[names[1] or ""] == PDF.data
        assert set(files) == set(names)
        assert [d.findtext(f"{X}Typ") for d in dokumente] == ["Eingegangene Nachricht", "Anlage zur Nachricht"]
        subject = vorgang.findtext(f"{X}AllgemeineMetadaten/{X}Betreff")
        assert subject == "Eingang xgewerbeanzeige-2.2 abh.gewerbemeldung.0500"
        assert vorgang.find(f"{X}Kontakt") is None  # no applicant: the message itself names the parties
        extension = vorgang.find(f"{X}AnwendungsspezifischeErweiterung")
        assert extension is not None
        fields = {f.findtext(f"{X}Name"): f.findtext(f"{X}Wert") for f in extension.iter(f"{X}Feld")}
        assert fields["nachrichtenUUID"] == SAMPLE_UUID
        assert fields["quelle"] == SOURCE_ID
        assert fields["eingangsnummer"] == case.id
        assert root.findtext(f".//{X}FachverfahrenObjektID") == shown.submission_id
        assert etree.QName(root).localname == "FVDaten.SGOAblegen.0605"
    finally:
        ctx.close()


def test_a_dms_reached_over_xta_takes_no_received_message_and_the_case_is_quarantined_unroutable(
    database_url: str,
    inbound_region: Path,
    xta_sim: httpx.Client,
    portal: XtaClient,
    dms_server: ServerThread,
) -> None:
    _with_dms(inbound_region, dms_server.url, transport="xta")
    ctx = build(make_settings(database_url, inbound_region, inbound_lease_seconds=2.0), migrate=True, api=False)
    try:
        put(portal, sample())
        assert _poll(ctx) == (0, 1, 0, None)
        [held] = ctx.inbound.recent()
        shown = ctx.inbound.show(held.id)
        assert shown is not None
        assert (shown.summary.reason, shown.submission_id) == ("unroutable", None)
        assert "transport http" in (shown.detail or "")
    finally:
        ctx.close()


def test_a_route_of_the_source_sends_its_message_type_to_the_dms_instead_of_the_default(
    database_url: str,
    inbound_region: Path,
    xta_sim: httpx.Client,
    portal: XtaClient,
    backoffice_xta: httpx.Client,
    dms: httpx.Client,
    dms_server: ServerThread,
) -> None:
    # Given a box whose default is the Gewerbe back office, with a route for Gewerbeanmeldungen to the DMS only
    routes = [
        {"messageType": "abh.gewerbeabmeldung.0501", "destinations": [DESTINATION]},
        {"messageType": "abh.gewerbemeldung.0500", "destinations": [DMS]},
    ]
    _with_dms(inbound_region, dms_server.url, routes=routes)
    ctx = _hub(database_url, inbound_region)
    try:
        put(portal, sample())
        assert _poll(ctx) == (1, 0, 0, None)

        # Then the case goes where the route says, and nowhere else
        [case] = ctx.inbound.recent()
        shown = ctx.inbound.show(case.id)
        assert shown is not None
        assert shown.destinations == [DMS]
        filed = _filed(dms)
        assert filed["messageName"].endswith("_FVDaten.SGOAblegen.0605.xml")
        view = ctx.submissions.get(shown.submission_id or "")
        assert view is not None
        assert [d.destination_id for d in view.deliveries] == [DMS]
        assert backoffice_xta.get("/_sim/messages").json() == []
    finally:
        ctx.close()
