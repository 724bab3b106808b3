"""What the FIT-Connect simulator knows: clients, destinations with their keys, submissions, event logs.

Submitting decrypts metadata, data and attachments with the destination's private key, checks
the metadata against the official metadata 2.1.0 schema and every SHA-512 hash, and appends the
event log: ``submit-submission``, then the subscriber's decision as configured (accept, reject
with problems, or none). Every event is a Security Event Token signed PS512 with the platform key.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from joserfc import jws
from joserfc.jwe import JWERegistry, decrypt_compact

from hub.schemas import SchemaCatalog
from hub.sim.fitconnect.pki import CertificateAuthority, EncryptionKey, SigningKey

EVENTS = "https://schema.fitko.de/fit-connect/events/"
METADATA_SET = "fit-connect-metadata-2.1.0"
JWE_REGISTRY = JWERegistry(algorithms=["RSA-OAEP-256", "A256GCM"])
"""What FIT-Connect prescribes for submissions, and all the platform accepts: the simulator says it
itself rather than trusting the sender's own list (it stands for the platform, not the connector)."""


@dataclass
class SimDestination:
    destination_id: str
    name: str
    ars: str
    leika_keys: tuple[str, ...]
    key: EncryptionKey
    status: str = "active"
    retired: list[EncryptionKey] = field(default_factory=list)
    """Earlier encryption keys, still published and held by the subscriber after a rotation."""
    signing: SigningKey | None = None
    """The destination's own SET signing key (its subscriber signs accept/reject), made when first asked for."""


@dataclass
class SimSubmission:
    submission_id: str
    case_id: str
    destination_id: str
    service: dict[str, Any]
    announced: list[str]
    encrypted_attachments: dict[str, str] = field(default_factory=dict)
    status: str = "incomplete"
    metadata: dict[str, Any] | None = None
    data: bytes | None = None
    attachments: dict[str, bytes] = field(default_factory=dict)
    problems: list[dict[str, str]] = field(default_factory=list)
    encrypted_metadata: str | None = None
    encrypted_data: str | None = None


@dataclass
class Decision:
    """How the simulated subscriber answers the next submissions: accept, reject (with problems) or none."""

    outcome: str = "accept"
    problems: list[dict[str, str]] = field(default_factory=list)


class FitConnectState:
    def __init__(self, schemas: SchemaCatalog, clients: dict[str, str]) -> None:
        self.schemas = schemas
        self.clients = dict(clients)
        self.ca = CertificateAuthority.create()
        self.signing = SigningKey.create()
        self.lock = threading.Lock()
        self.tokens: dict[str, float] = {}
        self.destinations: dict[str, SimDestination] = {}
        self.submissions: dict[str, SimSubmission] = {}
        self.events: dict[str, list[str]] = {}
        self.decision = Decision()
        self.route_queries: list[dict[str, Any]] = []
        """Every Routing API query: its leikaKey, its ars and how many destinations it found."""

    def add_destination(self, name: str, ars: str, leika_keys: list[str]) -> SimDestination:
        destination_id = str(uuid.uuid4())
        dest = SimDestination(destination_id, name, ars, tuple(leika_keys), EncryptionKey.create(self.ca, name))
        with self.lock:
            self.destinations[destination_id] = dest
        return dest

    # -- tokens ------------------------------------------------------------------------------

    def issue_token(self, client_id: str, secret: str, lifetime: int) -> str | None:
        if not secret or self.clients.get(client_id) != secret:
            return None
        token = uuid.uuid4().hex + uuid.uuid4().hex
        with self.lock:
            self.tokens[token] = time.monotonic() + lifetime
        return token

    def token_valid(self, authorization: str) -> bool:
        token = authorization.removeprefix("Bearer ").strip()
        with self.lock:
            return self.tokens.get(token, 0) > time.monotonic()

    # -- signing -----------------------------------------------------------------------------

    def sign(self, claims: dict[str, Any], typ: str = "secevent+jwt") -> str:
        header = {"alg": "PS512", "typ": typ, "kid": self.signing.kid}
        return jws.serialize_compact(header, orjson.dumps(claims), self.signing.private, algorithms=["PS512"])

    def append_event(self, sub: SimSubmission, event: str, payload: dict[str, Any] | None = None) -> str:
        claims = {
            "iss": "https://fit-connect-simulator.invalid",
            "iat": int(time.time()),
            "jti": str(uuid.uuid4()),
            "sub": f"submission:{sub.submission_id}",
            "txn": f"case:{sub.case_id}",
            "events": {EVENTS + event: payload or {}},
        }
        token = self.sign(claims)
        with self.lock:
            self.events.setdefault(sub.case_id, []).append(token)
        return token

    def append_raw(self, case_id: str, token: str) -> None:
        with self.lock:
            self.events.setdefault(case_id, []).append(token)

    # -- submitting --------------------------------------------------------------------------

    def complete(self, sub: SimSubmission, encrypted_metadata: str, encrypted_data: str) -> list[dict[str, str]]:
        """Decrypt and check a submitted submission; the problems a subscriber would reject it for."""
        key = self.destinations[sub.destination_id].key.private
        problems: list[dict[str, str]] = []
        metadata = orjson.loads(decrypt_compact(encrypted_metadata, key, registry=JWE_REGISTRY).plaintext or b"")
        data = decrypt_compact(encrypted_data, key, registry=JWE_REGISTRY).plaintext or b""
        attachments = {
            a: decrypt_compact(jwe, key, registry=JWE_REGISTRY).plaintext or b""
            for a, jwe in sub.encrypted_attachments.items()
        }
        for p in self.schemas.validator(METADATA_SET).validate(metadata):
            problems.append({"type": "metadata-schema", "title": "Metadaten ungültig", "detail": str(p)})
        structure = metadata.get("contentStructure", {}) if isinstance(metadata, dict) else {}
        if structure.get("data", {}).get("hash", {}).get("content") != hashlib.sha512(data).hexdigest():
            problems.append({"type": "hash-mismatch", "title": "Hashwert falsch", "detail": "data"})
        for entry in structure.get("attachments", []):
            content = attachments.get(entry.get("attachmentId"))
            if content is None or entry.get("hash", {}).get("content") != hashlib.sha512(content).hexdigest():
                detail = f"attachment {entry.get('attachmentId')}"
                problems.append({"type": "hash-mismatch", "title": "Hashwert falsch", "detail": detail})
        sub.metadata, sub.data, sub.attachments, sub.status = metadata, data, attachments, "submitted"
        sub.encrypted_metadata, sub.encrypted_data = encrypted_metadata, encrypted_data
        return problems
