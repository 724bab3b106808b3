"""Intake over real HTTP: acceptance, idempotency, tenancy and problem details, on SQLite and PostgreSQL."""

from __future__ import annotations

import concurrent.futures
import json

import httpx
import pytest

from tests.conftest import RunningHub
from tests.support.envelopes import attachment as make_attachment
from tests.support.envelopes import sample
from tests.support.region import HERTEN, KREIS
from tests.support.rows import row_counts


def test_accepts_and_reports_status_and_events(hub: RunningHub) -> None:
    # Given a Hundesteuer-Anmeldung for Gladbeck with a PDF attachment
    envelope = sample(attachments=[make_attachment()])

    # When the portal posts it
    answer = hub.api.post("/v1/submissions", json=envelope)

    # Then it is accepted with a status URL that reads back the routed delivery
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["statusUrl"].endswith(f"/v1/submissions/{body['id']}")
    assert answer.headers["location"] == body["statusUrl"]
    status = hub.api.get(body["statusUrl"]).json()
    assert status["service"] == "hundesteuer-anmeldung"
    assert [d["destination"] for d in status["deliveries"]] == ["gladbeck-fachverfahren"]
    events = hub.api.get(body["eventsUrl"]).json()["events"]
    assert [e["kind"] for e in events[:2]] == ["received", "routed"]
    assert all(e["at"] for e in events)
    assert row_counts(hub)["attachment"] == 1


def test_same_key_same_body_gives_same_answer_and_other_body_409(hub: RunningHub) -> None:
    # Given a submission posted with an idempotency key
    envelope = sample()
    first = hub.api.post("/v1/submissions", json=envelope, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 202

    # When the same body is posted again (keys in another order), and then a different body
    reordered = json.loads(json.dumps(envelope, sort_keys=True))
    again = hub.api.post("/v1/submissions", json=reordered, headers={"Idempotency-Key": "k-1"})
    changed = hub.api.post(
        "/v1/submissions", json=sample(portalReference="GLA-other"), headers={"Idempotency-Key": "k-1"}
    )

    # Then the repeat gets the same answer and the changed body a 409 problem
    assert again.status_code == 202
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert changed.status_code == 409
    assert changed.headers["content-type"] == "application/problem+json"
    assert changed.json()["type"] == "/problems/idempotency-conflict"
    assert row_counts(hub)["submission"] == 1


def test_fifty_concurrent_posts_with_one_key_create_one_submission(hub: RunningHub) -> None:
    # Given 50 portal threads retrying the same request at once
    envelope = sample()

    def post(_: int) -> httpx.Response:
        with hub.client(hub.gladbeck_key) as c:
            return c.post("/v1/submissions", json=envelope, headers={"Idempotency-Key": "race-1"})

    # When they all post
    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(post, range(50)))

    # Then all get 202 with one and the same id, and one submission exists
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["id"] for a in answers}) == 1
    counts = row_counts(hub)
    assert counts["submission"] == 1
    assert counts["delivery"] == 1


def test_a_gladbeck_key_can_neither_submit_for_nor_read_herten(hub: RunningHub) -> None:
    # Given a submission for Herten made with Herten's key
    herten_envelope = sample(municipality=HERTEN)
    herten_envelope["applicant"]["address"]["city"] = "Herten"
    with hub.client(hub.herten_key) as herten:
        created = herten.post("/v1/submissions", json=herten_envelope)
    assert created.status_code == 202, created.text
    herten_id = created.json()["id"]

    # When Gladbeck's key submits for Herten and reads Herten's submission and events
    submit = hub.api.post("/v1/submissions", json=herten_envelope)
    read = hub.api.get(f"/v1/submissions/{herten_id}")
    events = hub.api.get(f"/v1/submissions/{herten_id}/events")

    # Then each is refused with 403 and nothing more was stored
    for answer in (submit, read, events):
        assert answer.status_code == 403
        assert answer.json()["type"] == "/problems/forbidden"
    assert row_counts(hub)["submission"] == 1


def test_missing_or_unknown_key_is_401(hub: RunningHub) -> None:
    no_key = httpx.post(f"{hub.url}/v1/submissions", json=sample())
    wrong = httpx.post(
        f"{hub.url}/v1/submissions", json=sample(), headers={"Authorization": "Bearer hub_deadbeef_nope"}
    )
    for answer in (no_key, wrong):
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "/problems/unauthorized"
        assert "bearer" in answer.headers["www-authenticate"].lower()


def _bad_requests() -> list[tuple[str, dict[str, object], int, str, str | None]]:
    """(case, request kwargs, status, problem type, JSON pointer named in errors)."""
    unknown_service = sample(service="hochzeitsanmeldung")
    unknown_town = sample(municipality="05111000")
    not_offered = sample(municipality=KREIS)
    bad_form = sample()
    bad_form["form"]["dogs"][0].pop("breed", None)
    bad_date = sample()
    bad_date["applicant"]["birthDate"] = "12.04.1980"
    bad_hash = sample(attachments=[{**make_attachment(), "sha256": "0" * 64}])
    not_base64 = sample(attachments=[{**make_attachment(), "content": "***"}])
    extra = sample(colour="blue")
    return [
        (
            "malformed-json",
            {"content": b'{"service": ', "headers": {"content-type": "application/json"}},
            400,
            "malformed-json",
            None,
        ),
        (
            "wrong-content-type",
            {"content": b"service=x", "headers": {"content-type": "application/x-www-form-urlencoded"}},
            415,
            "unsupported-media-type",
            None,
        ),
        (
            "too-large",
            {"content": b'{"x": "' + b"a" * 200_000 + b'"}', "headers": {"content-type": "application/json"}},
            413,
            "payload-too-large",
            None,
        ),
        ("not-an-object", {"json": [1, 2]}, 422, "validation-error", ""),
        ("unknown-service", {"json": unknown_service}, 422, "no-route", "/service"),
        ("unknown-municipality", {"json": unknown_town}, 422, "no-route", "/municipality"),
        ("no-route", {"json": not_offered}, 422, "no-route", "/service"),
        ("form-violation", {"json": bad_form}, 422, "validation-error", "/form/dogs/0/breed"),
        ("envelope-violation", {"json": bad_date}, 422, "validation-error", "/applicant/birthDate"),
        ("unknown-field", {"json": extra}, 422, "validation-error", "/colour"),
        ("attachment-hash", {"json": bad_hash}, 422, "validation-error", "/attachments/0/sha256"),
        ("attachment-base64", {"json": not_base64}, 422, "validation-error", "/attachments/0/content"),
    ]


@pytest.mark.parametrize(
    ("case", "kwargs", "status", "kind", "pointer"),
    _bad_requests(),
    ids=lambda v: v if isinstance(v, str) and v else None,
)
def test_bad_input_gets_its_problem_and_stores_nothing(
    hub: RunningHub, case: str, kwargs: dict[str, object], status: int, kind: str, pointer: str | None
) -> None:
    # Given a hub with a small body limit for the size case
    object.__setattr__(hub.ctx, "settings", hub.ctx.settings.model_copy(update={"max_body_bytes": 100_000}))

    # When the bad request is posted
    answer = hub.api.post("/v1/submissions", **kwargs)  # type: ignore[arg-type]

    # Then it gets the documented problem+json and leaves no row behind
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == f"/problems/{kind}"
    assert problem["status"] == status
    assert problem["title"]
    if pointer is not None:
        assert pointer in [e["pointer"] for e in problem["errors"]], problem
    assert row_counts(hub) == {"submission": 0, "delivery": 0, "event": 0, "attachment": 0}


def test_problem_types_are_documented(hub: RunningHub) -> None:
    page = httpx.get(f"{hub.url}/problems/idempotency-conflict")
    assert page.status_code == 200
    assert "Idempotency" in page.text


def test_openapi_documents_the_envelope(hub: RunningHub) -> None:
    spec = httpx.get(f"{hub.url}/openapi.json").json()
    post = spec["paths"]["/v1/submissions"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/SubmissionRequest"
    envelope = spec["components"]["schemas"]["SubmissionRequest"]
    assert {"service", "municipality", "applicant", "form"} <= set(envelope["required"])
    for ref_name in ("Applicant", "Attachment", "Address"):
        assert ref_name in spec["components"]["schemas"]
    assert httpx.get(f"{hub.url}/docs").status_code == 200


def test_metrics_parse_and_show_intake_and_the_backlog(hub: RunningHub) -> None:
    # Given one accepted submission
    from prometheus_client.parser import text_string_to_metric_families

    assert hub.api.post("/v1/submissions", json=sample()).status_code == 202

    # When /metrics is scraped
    text = httpx.get(f"{hub.url}/metrics").text

    # Then it parses as Prometheus text, counts the intake and shows the delivery of Gladbeck
    families = {f.name: f for f in text_string_to_metric_families(text)}
    intake = [s for s in families["hub_intake_requests"].samples if s.name.endswith("_total")]
    assert sum(s.value for s in intake if s.labels["status"] == "202") >= 1
    backlog = families["hub_deliveries"].samples
    assert sum(s.value for s in backlog if s.labels["destination"] == "gladbeck-fachverfahren") == 1
