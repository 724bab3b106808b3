"""The composition root: builds every part of a hub process from its settings.

``HubContext`` holds the adapters (store, delivery engine, connectors) and the use cases wired
onto them (``services``, what the API, the console and the CLI call); the worker runs from it and
the tests inspect it. Nothing else reads settings or opens connections on its own.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import dramatiq
import structlog
from dramatiq import Worker

from hub.config import Settings
from hub.connectors.base import ConnectorContext
from hub.connectors.inbound import SourceRegistry
from hub.connectors.pool import ConnectorPool
from hub.connectors.registry import ConnectorRegistry
from hub.delivery.broker import declare_deliver, make_broker, queued_messages
from hub.delivery.controls import DestinationControls
from hub.delivery.deliverer import Deliverer
from hub.delivery.destinations import DestinationResolver
from hub.delivery.dispatcher import Dispatcher
from hub.delivery.limits import DestinationLimits, LocalLimits
from hub.delivery.outcome_poller import OutcomePoller
from hub.delivery.sweeper import Sweeper
from hub.domain.retry import RetryPolicy
from hub.mapping.catalog import MappingCatalog
from hub.routing.region import Region, load_region
from hub.routing.router import Router
from hub.scanning import Scanner, make_scanner
from hub.scanning.none import NoScanner
from hub.schemas import SchemaCatalog, SchemaNotInstalled
from hub.sealing import Sealer, load_keyring
from hub.service.access import Access
from hub.service.fitconnect_cases import FitConnectCases
from hub.service.health import Health
from hub.service.inbound import JOB as INBOUND_JOB
from hub.service.inbound import Inbound, InboundSchedule
from hub.service.inbound_cases import CaseBuilder, InboundQuarantine
from hub.service.intake import Intake
from hub.service.mailroom import Mailroom
from hub.service.operations import Operations
from hub.service.personal_data import PersonalData
from hub.service.queries import Queries
from hub.service.replies import Replies
from hub.service.retention import PurgeSchedule, Retention
from hub.service.services import HubServices
from hub.store.acceptances import AcceptanceStore
from hub.store.audit import AuditLog
from hub.store.clients import ClientStore
from hub.store.db import Database, is_outage
from hub.store.deliveries import DeliveryStore
from hub.store.delivery_recovery import DeliveryRecovery
from hub.store.destination_states import DestinationStateStore
from hub.store.inbound import InboundStore
from hub.store.inbound_cases import InboundCases
from hub.store.inbound_views import InboundViews
from hub.store.inbound_waiting import InboundWaiting
from hub.store.operator_views import OperatorViews
from hub.store.operators import OperatorStore
from hub.store.purge import PurgeStore
from hub.store.replies import ReplyStore
from hub.store.scheduled_jobs import ScheduledJobs
from hub.store.submissions import SubmissionStore

log = structlog.get_logger(__name__)


@dataclass
class HubContext:
    settings: Settings
    db: Database
    region: Region
    router: Router
    mappings: MappingCatalog
    clients: ClientStore
    submissions: SubmissionStore
    deliveries: DeliveryStore
    connectors: ConnectorPool
    broker: dramatiq.Broker
    dispatcher: Dispatcher
    deliverer: Deliverer
    sweeper: Sweeper
    limits: DestinationLimits
    operators: OperatorStore
    audit: AuditLog
    destination_states: DestinationStateStore
    controls: DestinationControls
    outcome_poller: OutcomePoller
    _worker: Worker | None = field(default=None, repr=False)
    scanner: Scanner = field(default_factory=NoScanner)
    """Scans every attachment at intake (``HUB_CLAMD_URL``); the default scans nothing."""

    @cached_property
    def services(self) -> HubServices:
        """The use cases and reads the entry points call, each handed the few adapters it needs."""
        return HubServices(
            region=self.region,
            mappings=self.mappings,
            intake=Intake(self.router, self.connectors, self.submissions, self.dispatcher, self.scanner),
            operations=Operations(
                self.deliveries, self.destination_states, self.controls, self.limits, self.dispatcher, self.audit
            ),
            queries=Queries(
                OperatorViews(self.db),
                self.destination_states,
                self.audit,
                self.region,
                self.mappings,
                self.connectors.context.schemas,
            ),
            access=Access(self.clients, self.operators, self.audit),
            personal_data=PersonalData(self.submissions, OperatorViews(self.db), self.audit),
            health=Health(self.db, self.scanner, is_outage),
            retention=self.retention,
            max_body_bytes=lambda: self.settings.max_body_bytes,
            poll_outcomes_now=self.outcome_poller.wake,
            inbound_counts=InboundCases(self.db).counts,
            mailroom=Mailroom(InboundViews(self.db), self.inbound_quarantine),
            replies=self.replies,
            poll_inbound_soon=lambda: ScheduledJobs(self.db).make_due(INBOUND_JOB),
            inbound_waiting=InboundWaiting(self.db).waiting,
        )

    @cached_property
    def replies(self) -> Replies:
        """Replies to cases, returned the way each case came (docs/replies.md)."""
        return Replies(ReplyStore(self.db), self.region.inbound, self.connectors, self.dispatcher, self.audit)

    @cached_property
    def retention(self) -> Retention:
        return Retention(PurgeStore(self.db), self.region.retention, self.audit)

    @cached_property
    def purge_schedule(self) -> PurgeSchedule:
        owner = f"{socket.gethostname()}:{os.getpid()}"
        return PurgeSchedule(
            self.retention, ScheduledJobs(self.db), owner, interval=self.settings.purge_interval_seconds
        )

    @cached_property
    def inbound(self) -> Inbound:
        """The inbound mailroom's runner over the region's ``inbound:`` sources (docs/inbound.md)."""
        registry, context = SourceRegistry(), self.connectors.context
        return Inbound(
            InboundStore(self.db),
            ScheduledJobs(self.db),
            self.region.inbound,
            lambda config: registry.build(config, context),
            context.schemas,
            f"{socket.gethostname()}:{os.getpid()}",
            lease_seconds=self.settings.inbound_lease_seconds,
            cases=self.inbound_cases,
            nudger=self.dispatcher,
            waiting=InboundWaiting(self.db),
        )

    @cached_property
    def inbound_cases(self) -> CaseBuilder:
        """Makes a received case's submission and deliveries to its source's destinations."""
        forms = FitConnectCases(self.region.services, self.router, self.region.destinations, self.connectors)
        return CaseBuilder(self.region.destinations, self.connectors, forms)

    @cached_property
    def inbound_quarantine(self) -> InboundQuarantine:
        """``hub inbound release|discard``."""
        return InboundQuarantine(
            InboundStore(self.db),
            InboundCases(self.db),
            self.inbound_cases,
            self.region.inbound,
            self.connectors.context.schemas,
            self.dispatcher,
            self.audit,
        )

    @cached_property
    def inbound_schedule(self) -> InboundSchedule:
        return InboundSchedule(self.inbound, interval=self.settings.inbound_poll_seconds)

    @property
    def embedded_broker(self) -> bool:
        return self.settings.broker_url.startswith("memory:")

    def start_worker(self, threads: int | None = None) -> None:
        """Run the deliver actor in this process, plus the sweeper."""
        if self._worker is not None:
            return
        self.limits.threads = threads or self.settings.worker_threads
        self.deliverer.stopping.clear()
        self._worker = Worker(self.broker, worker_threads=threads or self.settings.worker_threads, worker_timeout=100)
        self._worker.start()
        # An in-process broker lost its messages with the last process: recover them all now.
        self.sweeper.sweep(stale_after=0 if self.embedded_broker else None)
        self.sweeper.start()
        self.outcome_poller.start()
        self.purge_schedule.start()
        self.inbound_schedule.start()
        log.info(
            "worker_started",
            threads=threads or self.settings.worker_threads,
            broker=self.broker.__class__.__name__,
        )

    def stop_worker(self) -> None:
        self.sweeper.stop()
        self.outcome_poller.stop()
        if "purge_schedule" in self.__dict__:
            self.purge_schedule.stop()
        if "inbound_schedule" in self.__dict__:
            self.inbound_schedule.stop()
        if self._worker is not None:
            self.deliverer.stopping.set()
            self._worker.stop(timeout=int(self.settings.worker_stop_seconds * 1000))
            self._worker = None

    def close(self) -> None:
        self.stop_worker()
        self.deliverer.keeper.stop()
        self.dispatcher.close()
        self.broker.close()
        self.connectors.close()
        self.limits.close()
        self.db.dispose()


def report_missing_schema_sets(region: Region, mappings: MappingCatalog, schemas: SchemaCatalog) -> list[str]:
    """Log (error) every schema set a routed destination needs that the catalog lacks; their ids.

    The hub still starts — the other services work — but operators see the gap at once, and every
    submission that would need the set is refused with 503 ``destination-unavailable``. A set only
    needed by ``withoutSchema: spec-order`` specs is logged as a warning and not returned: those
    messages are still made, in spec order and unvalidated.
    """
    needed: dict[str, set[str]] = {}
    optional: dict[str, set[str]] = {}  # specs with 'withoutSchema': built in spec order without their set
    for (service, _ags), route in region.routes.items():
        for destination_id in route.destinations:
            standard = region.destinations[destination_id].standard
            spec = mappings.xml_spec(service, standard) if standard else None
            if spec is not None and spec.without_schema is not None:
                optional.setdefault(spec.schema_set, set()).add(destination_id)
            elif spec is not None:
                needed.setdefault(spec.schema_set, set()).add(destination_id)
    missing = []
    for set_id, destinations in sorted(needed.items()):
        try:
            schemas.get(set_id)
        except SchemaNotInstalled as exc:
            missing.append(set_id)
            log.error("schema_set_missing", schema_set=set_id, destinations=len(destinations), error=str(exc))
    for set_id, destinations in sorted(optional.items()):
        if set_id in needed or set_id in {s.id for s in schemas.sets()}:
            continue
        log.warning(
            "schema_set_missing_building_in_spec_order",
            schema_set=set_id,
            destinations=len(destinations),
            detail="messages are built in spec order and not validated against an XSD (withoutSchema: spec-order)",
        )
    return missing


def make_limits(settings: Settings) -> DestinationLimits:
    """Deployment-wide limits in Redis (``HUB_LIMITS_URL``, or the Redis broker), else this process's."""
    url = settings.limits_url or (settings.broker_url if settings.broker_url.startswith(("redis:", "rediss:")) else "")
    threads, share = settings.worker_threads, settings.destination_thread_share
    if url.startswith(("redis:", "rediss:", "unix:")):
        from hub.delivery.limits_redis import RedisLimits

        return RedisLimits(url, threads, share, slot_seconds=settings.lease_seconds)
    if not settings.broker_url.startswith("memory:"):
        log.warning(
            "destination_limits_per_process",
            detail="HUB_LIMITS_URL is not Redis: concurrency, rate and circuit hold per worker process only",
        )
    return LocalLimits(threads, share)


def sealer_for(settings: Settings) -> Sealer:
    """The sealer of the configured keyring; without one, plaintext storage and a loud warning."""
    keyring = load_keyring(settings.data_keys_file, settings.data_keys)
    if keyring is None:
        log.warning(
            "encryption_at_rest_off",
            detail="neither HUB_DATA_KEYS_FILE nor HUB_DATA_KEYS is set: personal content is stored in plaintext",
        )
    return Sealer(keyring)


API_THREADS = 40  # Starlette's default thread pool, which runs the handlers' database work


def build(settings: Settings, *, migrate: bool = False, api: bool = True, worker: bool = True) -> HubContext:
    """Everything a process needs; ``api`` and ``worker`` say which roles it plays (for pool sizing)."""
    pool = settings.db_pool_size or (API_THREADS if api else 0) + (settings.worker_threads + 4 if worker else 0)
    db = Database(settings.database_url, pool_size=pool, sealer=sealer_for(settings))
    if migrate:
        db.upgrade()
    region = load_region(settings.config_dir)
    mappings = MappingCatalog.load(settings.mappings_dir)
    schemas = SchemaCatalog.from_path(settings.schema_path)
    report_missing_schema_sets(region, mappings, schemas)
    connectors = ConnectorPool(ConnectorRegistry(), ConnectorContext(mappings=mappings, schemas=schemas))
    clients, deliveries, states = ClientStore(db), DeliveryStore(db), DestinationStateStore(db)
    engine = _delivery_engine(settings, db, region, clients, deliveries, states, connectors)
    return HubContext(
        settings=settings,
        db=db,
        region=region,
        router=Router(region),
        mappings=mappings,
        clients=clients,
        submissions=SubmissionStore(db),
        deliveries=deliveries,
        connectors=connectors,
        broker=engine.broker,
        dispatcher=engine.dispatcher,
        deliverer=engine.deliverer,
        sweeper=engine.sweeper,
        limits=engine.limits,
        operators=OperatorStore(db),
        audit=AuditLog(db),
        destination_states=states,
        controls=engine.controls,
        outcome_poller=engine.outcome_poller,
        scanner=make_scanner(settings),
    )


class _DeliveryEngine(NamedTuple):
    broker: dramatiq.Broker
    dispatcher: Dispatcher
    deliverer: Deliverer
    sweeper: Sweeper
    limits: DestinationLimits
    controls: DestinationControls
    outcome_poller: OutcomePoller


def _delivery_engine(
    settings: Settings,
    db: Database,
    region: Region,
    clients: ClientStore,
    deliveries: DeliveryStore,
    states: DestinationStateStore,
    connectors: ConnectorPool,
) -> _DeliveryEngine:
    """The broker and its deliver actor, the dispatcher, deliverer, sweeper, limits and outcome poller."""
    broker = make_broker(settings.broker_url)
    limits = make_limits(settings)
    callback_policy = RetryPolicy(initial_seconds=5, max_seconds=600, max_attempts=settings.callback_max_attempts)
    resolver = DestinationResolver(region, clients, callback_policy)
    holder: list[Deliverer] = []

    def deliver(pairs: list[list[str]]) -> None:
        holder[0](pairs)

    dispatcher = Dispatcher(declare_deliver(broker, deliver))
    controls = DestinationControls(states)
    deliverer = Deliverer(
        deliveries, resolver, connectors, limits, dispatcher, controls=controls, lease_seconds=settings.lease_seconds
    )
    holder.append(deliverer)
    sweeper = Sweeper(
        DeliveryRecovery(db),
        dispatcher,
        interval=settings.sweep_interval_seconds,
        stale_after=settings.requeue_after_seconds,
        queued=lambda: queued_messages(broker),
    )
    outcome_poller = OutcomePoller(
        AcceptanceStore(db, deliveries.outbox),
        region,
        connectors,
        interval=settings.outcome_poll_interval_seconds,
        dispatcher=dispatcher,
    )
    return _DeliveryEngine(broker, dispatcher, deliverer, sweeper, limits, controls, outcome_poller)
