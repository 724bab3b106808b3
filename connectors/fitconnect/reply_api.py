"""The subscriber's side of the FIT-Connect reply channel ("Rückkanal") on the Submission API.

Replying mirrors sending (:mod:`connectors.fitconnect.submission_api`), with the roles swapped:
``POST /v1/replies`` announces a reply to a submission and its attachments (the platform answers
with the reply id), ``PUT /v1/replies/{replyId}/attachments/{attachmentId}`` uploads each
attachment as JWE, ``PUT /v1/replies/{replyId}`` with the encrypted metadata and data submits it.
The sender then fetches it and answers ``accept-reply`` or ``reject-reply`` in the case's log.

These paths and field names follow the FIT-Connect documentation as far as it could be checked
offline; see docs/replies.md ("Unverified") for what could not be.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.fitconnect.submission_api import JOSE, SubmissionApi
from hub.errors import PermanentError


@dataclass(frozen=True)
class AnnouncedReply:
    reply_id: str
    case_id: str | None


class ReplyApi(SubmissionApi):
    def announce_reply(self, submission_id: str, attachment_ids: list[str]) -> AnnouncedReply:
        body = {"submissionId": submission_id, "announcedAttachments": attachment_ids}
        answer = self._json(self._call("POST", "/v1/replies", json=body))
        try:
            return AnnouncedReply(str(answer["replyId"]), str(answer["caseId"]) if answer.get("caseId") else None)
        except KeyError as exc:
            raise PermanentError(f"reply was not created: answer lacks {exc.args[0]}") from exc

    def upload_reply_attachment(self, reply_id: str, attachment_id: str, jwe: str) -> None:
        path = f"/v1/replies/{reply_id}/attachments/{attachment_id}"
        self._no_page(self._call("PUT", path, content=jwe.encode(), headers={"Content-Type": JOSE}))

    def submit_reply(self, reply_id: str, encrypted_metadata: str, encrypted_data: str) -> None:
        body = {"encryptedMetadata": encrypted_metadata, "encryptedData": encrypted_data}
        self._no_page(self._call("PUT", f"/v1/replies/{reply_id}", json=body))
