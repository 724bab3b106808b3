"""The settings of a ``sozialplattform`` destination: how to reach FIT-Connect, and the area it routes for.

Destination settings::

    tokenUrl: https://auth.example/token            # OAuth 2 client credentials
    clientId: emscher-lippe-hub
    clientSecretEnv: HUB_FITCONNECT_CLIENT_SECRET   # the secret's environment variable, read when needed
    scope: ...                                      # optional OAuth scope
    routingUrl: https://routing.example             # Routing API (GET /routes)
    submissionUrl: https://submission.example       # Submission API (/v1/...)
    trustAnchorsFile: fit-connect-roots.pem         # roots the destinations' key chains must lead to
    ars: "055620014014"                             # the body's Amtlicher Regionalschlüssel
    acceptWithinSeconds: 604800                     # flag a submission not accepted by then
    callbackSecretEnv: HUB_FITCONNECT_CALLBACK_SECRET   # HMAC secret of the platform's callbacks

What ``build`` needs (``ars``) is read at intake, the platform's addresses and credentials when the
first send needs them: a destination whose platform settings are incomplete still takes
submissions, and its sends say what is missing. The service's LeiKa key is not a setting: it is the
service's own (``leika:`` in the region), handed to ``build`` on the submission
(:attr:`~hub.connectors.base.SubmissionData.leika`), so one destination serves every service the
body offers over FIT-Connect. ``acceptWithinSeconds`` and
``callbackSecretEnv`` are read by the hub (the outcome poller, the callback endpoint).
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.connectors.base import Destination, SubmissionData
from hub.connectors.settings import SettingsReader
from hub.errors import ConfigError

CONNECTOR = "sozialplattform"


@dataclass(frozen=True, slots=True)
class PlatformAccess:
    """Where the FIT-Connect APIs are and how the hub logs in to them."""

    token_url: str
    client_id: str
    secret_env: str
    scope: str | None
    routing_url: str
    submission_url: str
    trust_anchors_file: str

    @classmethod
    def read(cls, destination: Destination) -> PlatformAccess:
        reader = SettingsReader(destination, CONNECTOR)
        scope = destination.settings.get("scope")
        return cls(
            token_url=str(reader.value("tokenUrl")),
            client_id=str(reader.value("clientId")),
            secret_env=str(reader.value("clientSecretEnv")),
            scope=scope,
            routing_url=str(reader.value("routingUrl")),
            submission_url=str(reader.value("submissionUrl")),
            trust_anchors_file=str(reader.value("trustAnchorsFile")),
        )


def area(destination: Destination) -> str:
    """The ARS the destination's submissions are routed and addressed by."""
    return str(SettingsReader(destination, CONNECTOR).value("ars"))


def leika_key(destination: Destination, submission: SubmissionData) -> str:
    """The submission's LeiKa key, by which FIT-Connect routes it and names its ``serviceType``.

    A service without one cannot be routed: a configuration fault (503 at intake), not the portal's.
    """
    if not submission.leika:
        raise ConfigError(
            f"destination {destination.id}: service {submission.service!r} has no LeiKa key in the region"
        )
    return submission.leika
