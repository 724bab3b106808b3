"""NUL characters anywhere in a submission: 422 naming each place, nothing stored, on SQLite and PostgreSQL.

PostgreSQL's jsonb cannot hold U+0000 (the INSERT used to fail with a 500); SQLite would store it.
Over HTTP the route's check against the published submission schema may name the place first (its
strings exclude NUL by pattern); intake's own check is what the service layer guarantees to every
caller, so it is also exercised directly.
"""

from __future__ import annotations

import httpx
import pytest

from hub.service.intake import InvalidSubmission
from tests.conftest import RunningHub
from tests.support.envelopes import attachment, sample
from tests.support.rows import row_counts

NOTHING = {"submission": 0, "delivery": 0, "event": 0, "attachment": 0}


def problem_of(answer: httpx.Response) -> set[str]:
    """The pointers of a 422 validation problem (the wording is the first check's that found it)."""
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "/problems/validation-error"
    return {e["pointer"] for e in problem["errors"]}


def test_intake_names_every_nul_in_the_form_the_attachments_and_member_names(hub: RunningHub) -> None:
    # Given an envelope with NULs in a name, a breed, a member name, a file name and the reference
    envelope = sample(attachments=[attachment(name="nachweis\u0000.pdf")])
    envelope["applicant"]["familyName"] = "Muster\u0000mann"
    envelope["form"]["dogs"][1]["breed"] = "\u0000"
    envelope["form"]["liabilityInsurance"]["\u0000insurer"] = "x"
    envelope["portalReference"] = "GLA-\u0000"
    intake = hub.ctx.services.intake
    (client,) = [c for c in hub.ctx.clients.list() if c.name == "portal-gladbeck"]

    # When intake is asked to accept it
    with pytest.raises(InvalidSubmission) as caught:
        intake.accept(client, envelope, "nul-1")

    # Then every place is named, and nothing is stored
    assert {(p.pointer, p.message) for p in caught.value.problems} == {
        ("/applicant/familyName", "contains a NUL character"),
        ("/attachments/0/fileName", "contains a NUL character"),
        ("/form/dogs/1/breed", "contains a NUL character"),
        ("/form/liabilityInsurance", "has a member whose name contains a NUL character"),
        ("/portalReference", "contains a NUL character"),
    }
    assert caught.value.kind == "validation-error"
    assert row_counts(hub) == NOTHING


def test_a_nul_in_the_applicants_name_is_refused_with_its_pointer(hub: RunningHub) -> None:
    # Given a Hundesteuer-Anmeldung whose applicant's family name holds a NUL
    envelope = sample()
    envelope["applicant"]["familyName"] = "Muster\u0000mann"

    # When the portal posts it, then it is refused at that field and nothing is stored
    assert problem_of(hub.api.post("/v1/submissions", json=envelope)) == {"/applicant/familyName"}
    assert row_counts(hub) == NOTHING

    # ... and the same connection takes the clean submission afterwards
    assert hub.api.post("/v1/submissions", json=sample()).status_code == 202


def test_a_nul_in_the_form_over_http_is_refused_with_its_pointer(hub: RunningHub) -> None:
    envelope = sample()
    envelope["form"]["dogs"][1]["breed"] = "\u0000"

    assert problem_of(hub.api.post("/v1/submissions", json=envelope)) == {"/form/dogs/1/breed"}
    assert row_counts(hub) == NOTHING


def test_an_escaped_backslash_before_u0000_is_no_nul(hub: RunningHub) -> None:
    # The text \u0000 (a backslash and five letters) is data like any other
    envelope = sample()
    envelope["form"]["dogs"][0]["breed"] = "Labrador \\u0000"

    answer = hub.api.post("/v1/submissions", json=envelope)

    assert answer.status_code == 202, answer.text
    assert row_counts(hub)["submission"] == 1
