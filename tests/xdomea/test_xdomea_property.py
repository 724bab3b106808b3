"""Property: every application of every DMS-bound service, with any attachments, makes valid xdomea 3.1.0.

Envelopes are the region's samples of each service with a drawn applicant and 0..5 drawn attachments
(names with spaces, umlauts, dots and repeats, various MIME types and contents). Each is built by
the ``fachverfahren-xdomea`` connector as at intake; the test then checks, independently of the
connector, that the official XSD accepts the message, that it names every attachment (one Dokument
each, its original name and a container name starting with a UUID) and that the container built for
it passes the DMS simulator's own unpacking and cross-check, byte-identical on every build.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.fachverfahren.xdomea import XdomeaConnector
from connectors.fachverfahren.xdomea.container import Manifest, build_container
from connectors.fachverfahren.xdomea.message import MANIFEST_HEADER
from hub.config import PROJECT_ROOT
from hub.connectors.base import AttachmentData, ConnectorContext, Destination, SubmissionData
from hub.domain.message import MessageAttachment
from hub.mapping.catalog import MappingCatalog
from hub.schemas import SchemaCatalog
from hub.sim.dms.container import read_container
from hub.xml import parse_xml
from tests.xdomea.xdomea_support import ALL_SERVICES, X, sample, sha256

MAPPINGS = MappingCatalog.load(PROJECT_ROOT / "mappings")
LETTERS = st.sampled_from("abcdefghijklmnopqrstuvwxyzäöüßÄÖÜéABCXYZ0123456789 -_.()")
MEDIA_TYPES = st.sampled_from(
    ["application/pdf", "image/jpeg", "image/png", "application/xml", "text/plain", "application/zip"]
)


@st.composite
def attachments(draw: st.DrawFn) -> list[AttachmentData]:
    count = draw(st.integers(0, 5))
    out = []
    for _ in range(count):
        stem = draw(st.text(LETTERS, min_size=1, max_size=40)).strip() or "datei"
        name = draw(st.sampled_from([f"{stem}.pdf", f"{stem}.jpg", stem, "nachweis.pdf", f"{stem}.tar.gz"]))
        media_type = draw(MEDIA_TYPES)
        head = b"%PDF-1.7\n" if media_type == "application/pdf" and draw(st.booleans()) else b""
        content = head + draw(st.binary(max_size=2048))
        out.append(AttachmentData(name, media_type, sha256(content), content))
    return out


@st.composite
def applicants(draw: st.DrawFn) -> dict[str, Any]:
    address = {"street": "Musterstraße", "postalCode": "45964", "city": "Gladbeck"}
    if draw(st.booleans()):
        address["houseNumber"] = draw(st.sampled_from(["1", "12a", "7-9"]))
    if draw(st.booleans()):
        applicant: dict[str, Any] = {"kind": "person", "givenName": "Erika", "familyName": "Muster-Öztürk"}
        if draw(st.booleans()):
            applicant["birthDate"] = "1980-04-12"
    else:
        applicant = {"kind": "organisation", "organisationName": draw(st.sampled_from(["Bau & Co. KG", "Ümit GmbH"]))}
    if draw(st.booleans()):
        applicant["email"] = "antrag@example.org"
    if draw(st.booleans()):
        applicant["phone"] = "+49 2043 000000"
    return {**applicant, "address": address}


def connector(catalog: SchemaCatalog) -> XdomeaConnector:
    destination = Destination(
        id="gladbeck-dms",
        name="DMS Gladbeck",
        connector="fachverfahren-xdomea",
        standard="xdomea-3.1.0",
        settings={
            "transport": "http",
            "url": "http://127.0.0.1:9/dms/gladbeck/xdomea",
            "author": {"prefix": "psw", "code": "05562014", "name": "Serviceportal Gladbeck"},
            "reader": {"prefix": "dms", "code": "05562014", "name": "DMS Gladbeck"},
        },
    )
    return XdomeaConnector(destination, ConnectorContext(mappings=MAPPINGS, schemas=catalog))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(service=st.sampled_from(ALL_SERVICES), applicant=applicants(), files=attachments())
def test_every_application_makes_valid_xdomea_naming_every_attachment(
    catalog: SchemaCatalog, service: str, applicant: dict[str, Any], files: list[AttachmentData]
) -> None:
    # Given a sample application of the service with a drawn applicant and drawn attachments
    envelope = {**sample(service), "applicant": applicant}
    envelope["attachments"] = [
        {"fileName": a.file_name, "mediaType": a.media_type, "sha256": a.sha256, "size": len(a.content)} for a in files
    ]
    submission = SubmissionData(str(uuid.uuid4()), datetime.now(UTC), envelope, tuple(files))

    # When the connector builds its message, as at intake
    message = connector(catalog).build(submission, str(uuid.uuid4()))

    # Then the official xdomea 3.1.0 XSD accepts it
    root = parse_xml(message.body)
    assert root.tag == f"{X}FVDaten.SGOAblegen.0605"
    assert catalog.validator("xdomea-3.1.0", "xdomea.xsd").validate(root) == []

    # and it names every attachment once, in order, by its original name and a UUID-led container name
    documents = root.findall(f".//{X}Vorgang/{X}Dokument")
    assert [d.findtext(f".//{X}DateinameOriginal") for d in documents] == [a.file_name for a in files]
    names = [d.findtext(f".//{X}Primaerdokument/{X}Dateiname") or "" for d in documents]
    assert len(set(names)) == len(files)
    assert all(uuid.UUID(n[:36]) and n[36] == "_" for n in names)

    # and the container made for it passes the DMS's own checks, the same bytes every time
    manifest = Manifest.decode(message.headers[MANIFEST_HEADER])
    stored = tuple(MessageAttachment(a.file_name, a.media_type, a.sha256, a.content) for a in files)
    container = build_container(manifest, message.body, stored)
    assert build_container(manifest, message.body, stored) == container
    unpacked = read_container(container, catalog)
    assert unpacked.files == {n: a.content for n, a in zip(names, files, strict=True)}
