"""A FIT-Connect simulator: token endpoint, Routing API, Submission API, signed event logs, callbacks.

Served as a real HTTP server (``ServerThread``). Paths::

    POST /token                                      OAuth 2 client credentials
    GET  /routing/routes?leikaKey=&ars=              Routing API 2.0 (route-result)
    GET  /submission/.well-known/jwks.json           the platform's SET signing keys
    GET  /submission/v1/destinations/{id}            status and encryptionKid
    GET  /submission/v1/destinations/{id}/keys/{kid} the destination's encryption key (JWK with x5c)
    POST /submission/v1/submissions                  announce (destinationId, announcedAttachments, serviceType)
    PUT  /submission/v1/submissions/{id}/attachments/{attachmentId}   one attachment (JWE)
    PUT  /submission/v1/submissions/{id}             encryptedMetadata + encryptedData: submit
    GET  /submission/v1/cases/{caseId}/events        the case's event log (signed SETs)

Control (``/_sim``): ``GET /_sim/submissions`` (decrypted content, base64), ``PUT /_sim/decision``
(``{"outcome": "accept"|"reject"|"none", "problems": [...]}``), ``PUT /_sim/callback``
(``{"url", "secret"}``: NEW_EVENTS callbacks, HMAC-SHA512 signed), ``POST /_sim/forge``
(``{"caseId", "submissionId", "event"}``: append a SET signed with a foreign key), ``PUT /_sim/routes``
(``{"forgeSignatures": true}``: routes signed with a foreign key), ``GET /_sim/routes`` (every Routing
API query: ``leikaKey``, ``ars``, ``found``), and
``/_sim/faults`` (the shared fault rules; ``system`` is ``token``, ``routing`` or ``submission``;
e.g. ``{"mode": "status", "status": 429, "retryAfter": 1}``, ``{"mode": "timeout"}`` that never answers,
``{"mode": "trickle", "intervalMs": 500}`` that answers one byte at a time, ``{"mode": "html"}``,
``{"mode": "reset"}``).

The subscriber's side (listing, fetching, answering a destination's submissions) and the controls
that make the simulator a sender are in :mod:`.subscriber`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import threading
import uuid
from typing import Any

import httpx
import orjson
from joserfc import jws
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from hub.schemas import SchemaCatalog
from hub.signing import signed_headers
from hub.sim.fitconnect.pki import SigningKey
from hub.sim.fitconnect.replies import ReplySide
from hub.sim.fitconnect.state import Decision, FitConnectState, SimSubmission
from hub.sim.fitconnect.subscriber import SubscriberSide, fault_system, published_key
from hub.sim.kit.faults import FaultBook, FaultMode, TrickledResponse, http_fault_response, trickled

NEW_EVENTS = "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-events"
TOKEN_LIFETIME_SECONDS = 300


def _problem(status: int, title: str, headers: dict[str, str] | None = None) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    return JSONResponse(body, status_code=status, headers=headers, media_type="application/problem+json")


class FitConnectSimulator:
    def __init__(self, schemas: SchemaCatalog, clients: dict[str, str]) -> None:
        self.state = FitConnectState(schemas, clients)
        self.faults = FaultBook()
        self.callback: tuple[str, str] | None = None
        self.forge_route_signatures = False
        side = self.subscriber = SubscriberSide(self.state, self._authorised)
        self.replies = ReplySide(self.state, self._authorised, side)
        self.app = Starlette(
            routes=[
                *self.replies.routes(),  # the reply channel (replies.py); before the sender's route it extends
                Route("/token", self.token, methods=["POST"]),
                Route("/routing/routes", self.routes, methods=["GET"]),
                Route("/submission/.well-known/jwks.json", self.jwks, methods=["GET"]),
                Route("/submission/v1/destinations/{id}", self.destination, methods=["GET"]),
                Route("/submission/v1/destinations/{id}/keys/{kid}", self.key, methods=["GET"]),
                Route("/submission/v1/submissions", self.announce, methods=["POST"]),
                Route("/submission/v1/submissions", side.list_submissions, methods=["GET"]),
                Route("/submission/v1/submissions/{id}", side.get_submission, methods=["GET"]),
                Route("/submission/v1/submissions/{id}/attachments/{aid}", side.get_attachment, methods=["GET"]),
                Route("/submission/v1/cases/{case}/events", side.post_event, methods=["POST"]),
                Route("/submission/v1/submissions/{id}/attachments/{aid}", self.attachment, methods=["PUT"]),
                Route("/submission/v1/submissions/{id}", self.submit, methods=["PUT"]),
                Route("/submission/v1/cases/{case}/events", self.events, methods=["GET"]),
                Route("/_sim/submissions", self.sim_submissions, methods=["GET"]),
                Route("/_sim/decision", self.sim_decision, methods=["PUT"]),
                Route("/_sim/callback", self.sim_callback, methods=["PUT"]),
                Route("/_sim/forge", self.sim_forge, methods=["POST"]),
                Route("/_sim/routes", self.sim_routes, methods=["GET", "PUT"]),
                Route("/_sim/faults", self.sim_faults, methods=["GET", "POST", "DELETE"]),
                Route("/_sim/sender/submissions", side.sim_send, methods=["POST"]),
                Route("/_sim/sender/answers", side.sim_answers, methods=["GET"]),
                Route("/_sim/destinations/{id}/subscriber-keys", side.sim_subscriber_keys, methods=["GET"]),
                Route("/_sim/destinations/{id}/rotate", side.sim_rotate, methods=["POST"]),
                Route("/_sim/destinations/{id}/callback", side.sim_destination_callback, methods=["PUT"]),
            ]
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        app: ASGIApp = self.app
        if scope["type"] == "http" and not scope["path"].startswith("/_sim"):
            system = fault_system(scope["method"], scope["path"]) or scope["path"].strip("/").split("/")[0]
            fired = self.faults.take(system)
            for rule in fired:
                if rule.mode is FaultMode.LATENCY:
                    await asyncio.sleep((rule.latency_ms or 0) / 1000)
                if rule.mode.proceeds:
                    continue
                request = Request(scope, receive)
                response = await http_fault_response(rule, request, lambda s, r, h: _problem(s, r, h))
                await trickled(fired, response)(scope, receive, send)
                return
            trickle = next((r for r in fired if r.mode is FaultMode.TRICKLE), None)
            if trickle is not None:
                app = TrickledResponse(self.app, trickle.trickle_interval_ms)
        await app(scope, receive, send)

    # -- OAuth and Routing -------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        form = await request.form()
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        token = self.state.issue_token(
            str(form.get("client_id", "")), str(form.get("client_secret", "")), TOKEN_LIFETIME_SECONDS
        )
        if token is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME_SECONDS})

    async def routes(self, request: Request) -> Response:
        leika, ars = request.query_params.get("leikaKey"), request.query_params.get("ars")
        if not leika:
            return _problem(400, "leikaKey fehlt")
        found = [d for d in self.state.destinations.values() if leika in d.leika_keys and (not ars or d.ars == ars)]
        with self.state.lock:
            self.state.route_queries.append({"leikaKey": leika, "ars": ars, "found": len(found)})
        routes = [
            {
                "destinationId": d.destination_id,
                "destinationSignature": self._destination_signature(d.destination_id, d.ars, leika),
                "destinationName": d.name,
                "destinationShortName": d.name,
                "origin": "FIT-Connect-Simulator",
            }
            for d in found
        ]
        return JSONResponse({"count": len(routes), "offset": 0, "totalCount": len(routes), "routes": routes})

    def _destination_signature(self, destination_id: str, ars: str, leika: str) -> str:
        claims = {
            "submissionHost": "submission.fit-connect-simulator.invalid",
            "iss": "https://fit-connect-simulator.invalid",
            "services": [
                {
                    "gebietIDs": [f"urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs:{ars}"],
                    "leistungIDs": [f"urn:de:fim:leika:leistung:{leika}"],
                }
            ],
            "destinationId": destination_id,
            "jti": str(uuid.uuid4()),
        }
        if self.forge_route_signatures:  # what a man in the middle of the routing lookup could offer
            header = {"alg": "PS512", "typ": "jwt", "kid": self.state.signing.kid}
            forger = SigningKey.create()
            return jws.serialize_compact(header, orjson.dumps(claims), forger.private, algorithms=["PS512"])
        return self.state.sign(claims, typ="jwt")

    # -- Submission API ----------------------------------------------------------------------

    def _authorised(self, request: Request) -> bool:
        return self.state.token_valid(request.headers.get("authorization", ""))

    async def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.state.signing.public_jwk()]})

    async def destination(self, request: Request) -> Response:
        if not self._authorised(request):
            return _problem(401, "Unauthorized")
        d = self.state.destinations.get(request.path_params["id"])
        if d is None:
            return _problem(404, "Zustellpunkt unbekannt")
        return JSONResponse({"destinationId": d.destination_id, "status": d.status, "encryptionKid": d.key.kid})

    async def key(self, request: Request) -> Response:
        if not self._authorised(request):
            return _problem(401, "Unauthorized")
        d = self.state.destinations.get(request.path_params["id"])
        published = published_key(d, request.path_params["kid"]) if d is not None else None
        if published is None:
            return _problem(404, "Schlüssel unbekannt")
        return JSONResponse(published)

    async def announce(self, request: Request) -> Response:
        if not self._authorised(request):
            return _problem(401, "Unauthorized")
        body = orjson.loads(await request.body())
        if body.get("destinationId") not in self.state.destinations:
            return _problem(422, "Zustellpunkt unbekannt")
        sub = SimSubmission(
            str(uuid.uuid4()),
            str(uuid.uuid4()),
            body["destinationId"],
            body.get("serviceType", {}),
            list(body.get("announcedAttachments", [])),
        )
        with self.state.lock:
            self.state.submissions[sub.submission_id] = sub
        self.state.append_event(sub, "create-submission")
        return JSONResponse(
            {"destinationId": sub.destination_id, "submissionId": sub.submission_id, "caseId": sub.case_id},
            status_code=201,
        )

    def _incomplete(self, request: Request) -> SimSubmission | Response:
        if not self._authorised(request):
            return _problem(401, "Unauthorized")
        sub = self.state.submissions.get(request.path_params["id"])
        if sub is None:
            return _problem(404, "Einreichung unbekannt")
        if sub.status != "incomplete":
            return _problem(409, "Einreichung ist bereits abgesendet")
        return sub

    async def attachment(self, request: Request) -> Response:
        sub = self._incomplete(request)
        if isinstance(sub, Response):
            return sub
        attachment_id = request.path_params["aid"]
        if attachment_id not in sub.announced:
            return _problem(404, "Anlage nicht angekündigt")
        if request.headers.get("content-type") != "application/jose":
            return _problem(415, "Anlagen werden als application/jose (JWE) erwartet")
        sub.encrypted_attachments[attachment_id] = (await request.body()).decode()
        return Response(status_code=204)

    async def submit(self, request: Request) -> Response:
        sub = self._incomplete(request)
        if isinstance(sub, Response):
            return sub
        missing = set(sub.announced) - set(sub.encrypted_attachments)
        if missing:
            return _problem(422, f"angekündigte Anlagen fehlen: {sorted(missing)}")
        body = orjson.loads(await request.body())
        try:
            problems = self.state.complete(sub, body["encryptedMetadata"], body["encryptedData"])
        except Exception as exc:
            return _problem(422, f"Einreichung nicht entschlüsselbar: {type(exc).__name__}")
        self.state.append_event(sub, "submit-submission")
        decision = self.state.decision
        if problems or decision.outcome == "reject":
            sub.status, sub.problems = "rejected", problems or decision.problems
            self.state.append_event(sub, "reject-submission", {"problems": sub.problems})
        elif decision.outcome == "accept":
            sub.status = "accepted"
            self.state.append_event(sub, "accept-submission", {"problems": []})
        self._notify(sub)
        return JSONResponse({"destinationId": sub.destination_id, "submissionId": sub.submission_id}, status_code=202)

    async def events(self, request: Request) -> Response:
        if not self._authorised(request):
            return _problem(401, "Unauthorized")
        with self.state.lock:
            log = list(self.state.events.get(request.path_params["case"], []))
        return JSONResponse({"eventLog": log})

    def _notify(self, sub: SimSubmission) -> None:
        if self.callback is None:
            return
        url, secret = self.callback
        body = orjson.dumps({"type": NEW_EVENTS, "submissionIds": [sub.submission_id], "caseIds": [sub.case_id]})

        def post() -> None:
            headers = {"Content-Type": "application/json", **signed_headers(secret, body)}
            with contextlib.suppress(httpx.HTTPError):  # a sender that is down polls anyway
                httpx.post(url, content=body, headers=headers, timeout=5)

        threading.Thread(target=post, name="fitconnect-sim-callback", daemon=True).start()

    # -- control -----------------------------------------------------------------------------

    async def sim_submissions(self, request: Request) -> Response:
        out = [
            {
                "submissionId": s.submission_id,
                "caseId": s.case_id,
                "destinationId": s.destination_id,
                "serviceType": s.service,
                "status": s.status,
                "metadata": s.metadata,
                "data": base64.b64encode(s.data).decode() if s.data is not None else None,
                "attachments": {k: base64.b64encode(v).decode() for k, v in s.attachments.items()},
                "problems": s.problems,
            }
            for s in list(self.state.submissions.values())
        ]
        return JSONResponse(out)

    async def sim_decision(self, request: Request) -> Response:
        body = orjson.loads(await request.body())
        if body.get("outcome") not in ("accept", "reject", "none"):
            return _problem(400, "outcome: accept, reject or none")
        self.state.decision = Decision(body["outcome"], list(body.get("problems", [])))
        return Response(status_code=204)

    async def sim_callback(self, request: Request) -> Response:
        body = orjson.loads(await request.body())
        self.callback = (str(body["url"]), str(body["secret"])) if body.get("url") else None
        return Response(status_code=204)

    async def sim_routes(self, request: Request) -> Response:
        """GET: the Routing API queries so far; PUT ``{"forgeSignatures": true}``: answer routes whose
        destinationSignature another key made."""
        if request.method == "GET":
            with self.state.lock:
                return JSONResponse(list(self.state.route_queries))
        body = orjson.loads(await request.body())
        self.forge_route_signatures = bool(body.get("forgeSignatures"))
        return Response(status_code=204)

    async def sim_forge(self, request: Request) -> Response:
        """Append a SET that claims to come from the platform but is signed with another key."""
        body = orjson.loads(await request.body())
        forger = SigningKey.create()
        claims = {
            "iss": "https://fit-connect-simulator.invalid",
            "jti": str(uuid.uuid4()),
            "sub": f"submission:{body['submissionId']}",
            "txn": f"case:{body['caseId']}",
            "events": {f"https://schema.fitko.de/fit-connect/events/{body['event']}": {"problems": []}},
        }
        header = {"alg": "PS512", "typ": "secevent+jwt", "kid": self.state.signing.kid}
        token = jws.serialize_compact(header, orjson.dumps(claims), forger.private, algorithms=["PS512"])
        self.state.append_raw(str(body["caseId"]), token)
        return Response(status_code=204)

    async def sim_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
            return Response(status_code=204)
        if request.method == "POST":
            try:
                rule = self.faults.add(orjson.loads(await request.body()))
            except ValueError as exc:
                return _problem(400, str(exc))
            return JSONResponse(rule.to_json(), status_code=201)
        return JSONResponse(self.faults.to_json())
