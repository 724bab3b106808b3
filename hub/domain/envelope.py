"""The intake envelope: what a portal posts to ``POST /v1/submissions``.

Field names are the API's (English, camelCase); the service-specific ``form`` is checked
against that service's JSON Schema by the service catalogue, not here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Ags = Annotated[str, StringConstraints(pattern=r"^[0-9]{8}$")]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Address(_Model):
    street: ShortText
    house_number: Annotated[str, StringConstraints(max_length=20)] | None = Field(default=None, alias="houseNumber")
    postal_code: Annotated[str, StringConstraints(pattern=r"^[0-9A-Z -]{3,10}$")] = Field(alias="postalCode")
    city: ShortText
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "DE"


class Applicant(_Model):
    """The person or organisation filing the application."""

    kind: Literal["person", "organisation"]
    given_name: ShortText | None = Field(default=None, alias="givenName")
    family_name: ShortText | None = Field(default=None, alias="familyName")
    birth_date: date | None = Field(default=None, alias="birthDate")
    organisation_name: ShortText | None = Field(default=None, alias="organisationName")
    address: Address
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)] | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None

    @model_validator(mode="after")
    def _names_fit_kind(self) -> Applicant:
        if self.kind == "person" and not (self.given_name and self.family_name):
            raise ValueError("a person needs givenName and familyName")
        if self.kind == "organisation" and not self.organisation_name:
            raise ValueError("an organisation needs organisationName")
        return self


class Attachment(_Model):
    """A file sent along, base64-encoded; the hub checks ``sha256`` against the decoded bytes."""

    file_name: Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^/\\\x00]+$")] = Field(
        alias="fileName"
    )
    media_type: Annotated[str, StringConstraints(pattern=r"^[\w.+-]+/[\w.+-]+$", max_length=127)] = Field(
        alias="mediaType"
    )
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")]
    content: str = Field(description="The file's bytes, base64 (RFC 4648).")

    def decoded(self) -> bytes:
        """The file's bytes; raises ``ValueError`` when ``content`` is not base64 or the hash differs."""
        try:
            data = base64.b64decode(self.content, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("content is not valid base64") from exc
        if hashlib.sha256(data).hexdigest() != self.sha256.lower():
            raise ValueError("sha256 does not match the decoded content")
        return data


class SubmissionRequest(_Model):
    """A portal's application as posted to the hub."""

    service: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
    municipality: Ags = Field(description="Amtlicher Gemeindeschlüssel (8 digits) of the deciding body.")
    portal_reference: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None, alias="portalReference"
    )
    applicant: Applicant
    form: dict[str, Any] = Field(description="Service-specific data, checked against the service's form schema.")
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)
