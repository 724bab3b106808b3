"""Cross-field checks at intake, over real HTTP on the region's real configuration, SQLite and PostgreSQL.

The Bauantrag's ``anlagen`` name posted attachments by index and repeat their names and types
(``config/emscher-lippe/forms/bauantrag.checks.yaml``); a Sondernutzung's period must not end
before it starts. A violation is a 422 naming the field, and nothing is stored. The worker is not
run: what is checked happens at intake, before any delivery.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hub.config import PROJECT_ROOT
from tests.conftest import RunningHub, make_settings, start_hub, stop_hub
from tests.support.envelopes import attachment
from tests.support.rows import row_counts

REAL_CONFIG = PROJECT_ROOT / "config" / "emscher-lippe"
NOTHING = {"submission": 0, "delivery": 0, "event": 0, "attachment": 0}


def sample(name: str) -> dict[str, Any]:
    envelope: dict[str, Any] = json.loads((REAL_CONFIG / "samples" / f"{name}.json").read_text(encoding="utf-8"))
    return envelope


@pytest.fixture
def hub(database_url: str) -> Iterator[RunningHub]:
    running = start_hub(make_settings(database_url, REAL_CONFIG), run_worker=False)
    yield running
    stop_hub(running)


def post(hub: RunningHub, envelope: dict[str, Any]) -> httpx.Response:
    return hub.api.post("/v1/submissions", json=envelope)


def pointers(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "/problems/validation-error"
    return {e["pointer"]: e["detail"] for e in problem["errors"]}


def test_the_bauantrag_sample_passes_its_checks(hub: RunningHub) -> None:
    answer = post(hub, sample("bauantrag"))

    assert answer.status_code == 202, answer.text
    assert row_counts(hub)["attachment"] == 1


def test_an_anlage_naming_an_attachment_that_was_not_posted_is_refused_and_nothing_stored(hub: RunningHub) -> None:
    # Given a Bauantrag whose only Anlage names attachment 3 of its one attachment
    envelope = sample("bauantrag")
    envelope["form"]["anlagen"][0]["attachment"] = 3

    # When the portal posts it
    errors = pointers(post(hub, envelope))

    # Then the Anlage's index is named, the attachment no Anlage describes too, and nothing is stored
    assert errors == {
        "/form/anlagen/0/attachment": "names attachment 3, but the submission has only attachments 0 to 0",
        "/attachments/0": "is described by no item of /form/anlagen",
    }
    assert row_counts(hub) == NOTHING


def test_an_anlage_without_any_attachment_posted_is_refused(hub: RunningHub) -> None:
    envelope = sample("bauantrag")
    envelope["attachments"] = []

    errors = pointers(post(hub, envelope))

    assert errors == {"/form/anlagen/0/attachment": "names attachment 0, but the submission has no attachments"}
    assert row_counts(hub) == NOTHING


@pytest.mark.parametrize(
    ("member", "value", "posted"),
    [("mediaType", "image/png", "'application/pdf'"), ("fileName", "lageplan.pdf", "'bauvorlageberechtigung.pdf'")],
)
def test_an_anlage_contradicting_its_attachment_is_refused(
    hub: RunningHub, member: str, value: str, posted: str
) -> None:
    # Given an Anlage whose media type or file name differs from the attachment it names
    envelope = sample("bauantrag")
    envelope["form"]["anlagen"][0][member] = value

    errors = pointers(post(hub, envelope))

    assert errors == {
        f"/form/anlagen/0/{member}": f"is {value!r}, but the attachment it names has {posted} (/attachments/0/{member})"
    }
    assert row_counts(hub) == NOTHING


def test_media_types_are_compared_without_regard_to_case(hub: RunningHub) -> None:
    envelope = sample("bauantrag")
    envelope["form"]["anlagen"][0]["mediaType"] = "Application/PDF"

    assert post(hub, envelope).status_code == 202


def test_two_anlagen_naming_one_attachment_are_refused(hub: RunningHub) -> None:
    # Given a second Anlage for the one attachment, and a second attachment no Anlage describes
    envelope = sample("bauantrag")
    envelope["form"]["anlagen"].append({**envelope["form"]["anlagen"][0], "anlageart": "0200"})
    envelope["attachments"].append(attachment(name="lageplan.pdf"))

    errors = pointers(post(hub, envelope))

    assert errors == {
        "/form/anlagen/1/attachment": "names attachment 0 like /form/anlagen/0/attachment does",
        "/attachments/1": "is described by no item of /form/anlagen",
    }
    assert row_counts(hub) == NOTHING


def test_a_period_ending_before_it_starts_is_refused(hub: RunningHub) -> None:
    envelope = sample("sondernutzung")
    envelope["form"]["period"] = {"from": "2026-06-14", "to": "2026-06-01"}

    errors = pointers(post(hub, envelope))

    assert errors == {"/form/period/to": "must not be before /form/period/from (2026-06-14)"}
    assert row_counts(hub) == NOTHING


def test_the_checks_wait_for_a_form_the_schema_passes(hub: RunningHub) -> None:
    # Given a dangling index in a form that also breaks its schema (an Anlage lacks its datum)
    envelope = sample("bauantrag")
    envelope["form"]["anlagen"][0]["attachment"] = 7
    del envelope["form"]["anlagen"][0]["datum"]

    # Then only the schema's error is reported: the checks read values the schema vouched for
    assert pointers(post(hub, envelope)) == {"/form/anlagen/0/datum": "is required"}
