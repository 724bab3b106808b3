"""Every metadata document the hub emits validates against the official FIT-Connect metadata 2.1.0 schema."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.fitconnect.metadata import AnnouncedAttachment, metadata_document
from connectors.sozialplattform import SozialplattformConnector
from hub.config import PROJECT_ROOT
from hub.connectors.base import AttachmentData, ConnectorContext, Destination, SubmissionData
from hub.mapping.catalog import MappingCatalog
from hub.schemas import SchemaCatalog
from tests.support.fitconnect import LEIKA

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)
dates = st.dates().map(lambda d: d.isoformat())
members = st.lists(
    st.fixed_dictionaries(
        {
            "givenName": names,
            "familyName": names,
            "birthDate": dates,
            "relationship": st.sampled_from(["spouse", "partner", "child", "parent", "sibling", "other"]),
        }
    ),
    max_size=4,
)
money = st.floats(min_value=0, max_value=100_000, allow_nan=False).map(lambda x: round(x, 2))
files = st.lists(
    st.tuples(
        names.filter(lambda n: "/" not in n and "\\" not in n),
        st.sampled_from(["application/pdf", "image/jpeg", "image/png", "application/vnd.oasis.opendocument.text"]),
        st.binary(max_size=200),
    ),
    max_size=3,
)
wohngeld = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["rent", "burden"]),
        "householdMembers": members,
        "monthlyHousingCosts": money,
        "householdIncomeMonthly": money,
        "livingSpaceSquareMetres": st.floats(min_value=1, max_value=1000, allow_nan=False),
        "requestedFrom": dates,
    },
    optional={"heatingIncluded": st.booleans(), "landlord": names},
)
applicants = st.one_of(
    st.fixed_dictionaries({"kind": st.just("person"), "givenName": names, "familyName": names}),
    st.fixed_dictionaries({"kind": st.just("organisation"), "organisationName": names}),
)


def _connector(catalog: SchemaCatalog) -> SozialplattformConnector:
    destination = Destination(
        id="gladbeck-sozialplattform",
        name="Sozialplattform Gladbeck",
        connector="sozialplattform",
        standard="fit-connect-json",
        settings={"ars": "055620014014"},
    )
    context = ConnectorContext(mappings=MappingCatalog.load(PROJECT_ROOT / "mappings"), schemas=catalog)
    return SozialplattformConnector(destination, context)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(applicant=applicants, form=wohngeld, attached=files, reference=st.none() | names)
def test_every_emitted_metadata_document_is_valid(
    catalog: SchemaCatalog, applicant: dict[str, Any], form: dict[str, Any], attached: list[Any], reference: Any
) -> None:
    # Given a varied Wohngeld application
    envelope: dict[str, Any] = {
        "service": "wohngeld-antrag",
        "municipality": "05562014",
        "applicant": {**applicant, "address": {"street": "Weg", "postalCode": "45964", "city": "Gladbeck"}},
        "form": form,
    }
    if reference is not None:
        envelope["portalReference"] = reference
    attachments = tuple(AttachmentData(n, m, hashlib.sha256(c).hexdigest(), c) for n, m, c in attached)
    submission = SubmissionData(str(uuid.uuid4()), datetime.now(UTC), envelope, attachments, LEIKA["wohngeld-antrag"])

    # When the connector builds the message, and the metadata is made from it as at send time
    message = _connector(catalog).build(submission, str(uuid.uuid4()))
    parcel = orjson.loads(message.body)
    metadata = metadata_document(
        data=parcel["data"].encode(),
        data_schema_uri=parcel["dataSchemaUri"],
        attachments=[
            AnnouncedAttachment(a["attachmentId"], a["fileName"], a["mediaType"], c)
            for a, (_, _, c) in zip(parcel["attachments"], attached, strict=True)
        ],
        sender_reference=parcel["senderReference"],
    )

    # Then it validates against metadata 2.1.0 and carries the SHA-512 of the data
    assert catalog.validator("fit-connect-metadata-2.1.0").validate(metadata) == []
    assert (
        metadata["contentStructure"]["data"]["hash"]["content"] == hashlib.sha512(parcel["data"].encode()).hexdigest()
    )
    assert len(metadata["contentStructure"]["attachments"]) == len(attached)
