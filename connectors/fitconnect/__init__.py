"""A FIT-Connect sender client, reusable by every destination reached over FIT-Connect.

Parts: :mod:`~connectors.fitconnect.oauth` (client-credentials tokens),
:mod:`~connectors.fitconnect.routing` (Routing API), :mod:`~connectors.fitconnect.submission_api`
(Submission API), :mod:`~connectors.fitconnect.keys` (checking a destination's encryption key),
:mod:`~connectors.fitconnect.jose` (JWE out, signed SETs in), :mod:`~connectors.fitconnect.metadata`
(metadata 2.1.0), :mod:`~connectors.fitconnect.events` (event log → outcome) and
:mod:`~connectors.fitconnect.sender` (one send, end to end).
"""

from connectors.fitconnect.events import outcome_of
from connectors.fitconnect.keys import checked_encryption_key, load_trust_anchors
from connectors.fitconnect.metadata import AnnouncedAttachment, metadata_document, metadata_problems
from connectors.fitconnect.oauth import ClientCredentials, TokenSource
from connectors.fitconnect.routing import RouteLookup
from connectors.fitconnect.sender import FitConnectSender, Parcel, Submitted
from connectors.fitconnect.submission_api import SubmissionApi

__all__ = [
    "AnnouncedAttachment",
    "ClientCredentials",
    "FitConnectSender",
    "Parcel",
    "RouteLookup",
    "SubmissionApi",
    "Submitted",
    "TokenSource",
    "checked_encryption_key",
    "load_trust_anchors",
    "metadata_document",
    "metadata_problems",
    "outcome_of",
]
