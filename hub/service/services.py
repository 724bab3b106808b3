"""What the entry points are handed: the use cases and the shared reads, wired by :mod:`hub.bootstrap`.

The API, the console and the CLI call these and nothing below them; the region and the mapping
catalog come along because the web entry points describe themselves from them (the OpenAPI
document, the console's filters, the published data schemas).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hub.domain.inbound import InboundCount
from hub.domain.unanswered import WaitingSubmission
from hub.mapping.catalog import MappingCatalog
from hub.routing.region import Region
from hub.service.access import Access
from hub.service.health import Health
from hub.service.intake import Intake
from hub.service.mailroom import Mailroom
from hub.service.operations import Operations
from hub.service.personal_data import PersonalData
from hub.service.queries import Queries
from hub.service.replies import Replies
from hub.service.retention import Retention


@dataclass(frozen=True)
class HubServices:
    region: Region
    mappings: MappingCatalog
    intake: Intake
    operations: Operations
    queries: Queries
    access: Access
    personal_data: PersonalData
    """A submission's status, events and mapped messages: every read of them is audited."""
    health: Health
    retention: Retention
    """The retention purge and erasure on request."""
    max_body_bytes: Callable[[], int]
    """The largest request body the API reads (``HUB_MAX_BODY_BYTES``), as the settings say now."""
    poll_outcomes_now: Callable[[], None]
    """A platform said new outcomes wait (a FIT-Connect callback): read the event logs at once."""
    inbound_counts: Callable[[], list[InboundCount]] = list
    """The inbound messages by (source, state, reason), for the metrics (docs/inbound.md)."""
    mailroom: Mailroom | None = None
    """The received messages and the quarantine for the console (docs/inbound.md); None: not wired."""
    replies: Replies | None = None
    """Replies to cases, returned the way each case came (docs/replies.md); None: not wired."""
    poll_inbound_soon: Callable[[], None] | None = None
    """A platform announced new inbound messages (a FIT-Connect NEW_SUBMISSIONS callback): the
    inbound poll is due at the next ask of any worker; None: not wired."""
    inbound_waiting: Callable[[], list[WaitingSubmission]] = list
    """Submissions the sources listed and the hub has not answered (the 3- and 14-day warnings)."""
