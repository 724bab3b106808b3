"""The subscriber's side of the FIT-Connect Submission API, on the sender's authenticated client.

``GET /v1/submissions?destinationId=&offset=&limit=`` lists the submissions waiting for a
destination (paged: ``count``, ``offset``, ``totalCount``); ``GET /v1/submissions/{id}`` is one with
its encrypted metadata and data and its attachment ids; ``GET .../attachments/{id}`` one
attachment (JWE, ``application/jose``); ``POST /v1/cases/{caseId}/events`` posts the
subscriber's Security Event Token. An answer that is not what the platform sends (a proxy's page)
is transient: it must never look like content that failed to decrypt and get the submission rejected.
"""

from __future__ import annotations

from collections.abc import Iterator

from connectors.fitconnect.opening import FetchedSubmission
from connectors.fitconnect.submission_api import JOSE, SubmissionApi
from hub.errors import PermanentError, TransientError

SET_MEDIA_TYPE = JOSE


class SubscriberApi(SubmissionApi):
    def pending(self, destination_id: str, page_size: int = 100) -> Iterator[tuple[str, str]]:
        """(submissionId, caseId) of every submission waiting for ``destination_id``, page by page."""
        offset = 0
        while True:
            params: dict[str, str | int] = {"destinationId": destination_id, "offset": offset, "limit": page_size}
            body = self._json(self._call("GET", "/v1/submissions", params=params))
            page = body.get("submissions")
            if not isinstance(page, list):
                raise TransientError("FIT-Connect /v1/submissions answered without a submissions list")
            for entry in page:
                if isinstance(entry, dict) and entry.get("destinationId", destination_id) == destination_id:
                    yield str(entry["submissionId"]), str(entry["caseId"])
            offset += len(page)
            total = body.get("totalCount")
            if not page or not isinstance(total, int) or offset >= total:
                return

    def fetch(self, submission_id: str) -> FetchedSubmission:
        body = self._json(self._call("GET", f"/v1/submissions/{submission_id}"))
        try:
            metadata = str(body["encryptedMetadata"])
            case_id, destination_id = str(body["caseId"]), str(body["destinationId"])
        except KeyError as exc:
            raise PermanentError(f"submission {submission_id}: the answer lacks {exc.args[0]}") from exc
        data = body.get("encryptedData")
        attachment_ids = [str(a) for a in body.get("attachments") or []]
        attachments = {a: self._attachment(submission_id, a) for a in attachment_ids}
        service = body.get("serviceType") if isinstance(body.get("serviceType"), dict) else {}
        return FetchedSubmission(
            submission_id, case_id, destination_id, service or {}, metadata, str(data) if data else None, attachments
        )

    def _attachment(self, submission_id: str, attachment_id: str) -> str:
        response = self._call("GET", f"/v1/submissions/{submission_id}/attachments/{attachment_id}")
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != JOSE:
            raise TransientError(f"FIT-Connect attachment answered {media_type or 'no content type'}, not {JOSE}")
        return response.text.strip()

    def post_event(self, case_id: str, token: str) -> None:
        response = self._call(
            "POST", f"/v1/cases/{case_id}/events", content=token.encode(), headers={"Content-Type": SET_MEDIA_TYPE}
        )
        self._no_page(response)


def is_gone(exc: PermanentError) -> bool:
    """A 404/410: the submission was answered or withdrawn meanwhile (another process, the platform)."""
    return exc.status_code in (404, 410)
