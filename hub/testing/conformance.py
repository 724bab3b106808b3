"""The conformance suite every connector inherits: subclass :class:`ConnectorConformance`, declare five things.

::

    class TestRestConnector(ConnectorConformance[BackofficeReceiver]):
        connector_name = "fachverfahren-rest"

        def start_receiver(self):
            return BackofficeReceiver.serve()

        def destination_settings(self, receiver, address):
            return {"url": f"{address}/systems/gladbeck/messages", "timeoutSeconds": 5}

        def samples(self):
            return [submission_from(demo_sample("hundesteuer-anmeldung"))]

        def unmappable_samples(self):
            envelope = demo_sample("hundesteuer-anmeldung")
            del envelope["form"]["dogs"]
            return [Unmappable(submission_from(envelope), "/form/dogs")]

The inherited tests check the connector against the contract of :class:`~hub.connectors.base.Connector`
over a real receiver (:class:`~hub.testing.receiver.Receiver`): it is found through its
``hub.connectors`` entry point; ``build`` maps every sample, names the payload's JSON pointers when it
cannot, needs no network, and makes the same message for the same submission and message id (the
stored message is what every attempt sends); ``send`` delivers and returns a storable receipt; a
receiver that fails for a while gives :class:`~hub.errors.TransientError` and the same message gets
through on a later attempt; a refusal gives :class:`~hub.errors.PermanentError`; a receiver that is
not listening is transient; ``close`` may be called twice.

Every test starts with a cleared receiver; the receiver runs once per test class.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, ClassVar, Generic, TypeVar

import pytest

from hub.config import Settings
from hub.connectors.base import Connector, ConnectorContext, Destination, OutboundMessage, Receipt, SubmissionData
from hub.connectors.listing import describe
from hub.connectors.registry import GROUP, ConnectorRegistry
from hub.errors import DeliveryError, MappingError, PermanentError, TransientError
from hub.mapping.catalog import MappingCatalog
from hub.schemas import SchemaCatalog
from hub.testing.network import unreachable
from hub.testing.receiver import Receiver
from hub.testing.submissions import as_stored

R = TypeVar("R", bound=Receiver)

Connect = Callable[..., Connector]
"""``connect(receiver, address=None) -> Connector``: a connector for a destination at the receiver
(or at ``address``), closed when the test ends."""


@dataclass(frozen=True, init=False)
class Unmappable:
    """A submission ``build`` must refuse, and the JSON pointers its :class:`MappingError` must name."""

    submission: SubmissionData
    pointers: tuple[str, ...]

    def __init__(self, submission: SubmissionData, *pointers: str) -> None:
        object.__setattr__(self, "submission", submission)
        object.__setattr__(self, "pointers", pointers)


def new_message_id() -> str:
    return str(uuid.uuid4())


class ConnectorConformance(Generic[R]):
    """Base of a connector's conformance test class (name the subclass ``Test…`` so pytest collects it)."""

    #: The entry-point name (``[project.entry-points."hub.connectors"]``) and the class's ``name``.
    connector_name: ClassVar[str]
    #: The destination's mapping ``standard`` (None: the connector's default).
    standard: ClassVar[str | None] = None
    #: How many attempts in a row the receiver fails before the retry that gets through.
    transient_failures: ClassVar[int] = 2

    # -- hooks a connector's test class declares ------------------------------------------------

    def start_receiver(self) -> AbstractContextManager[R]:
        """A context manager running the receiver (a simulator on loopback) and giving its :class:`Receiver`."""
        raise NotImplementedError(
            f"{type(self).__name__} must define start_receiver(), e.g. return BackofficeReceiver.serve()"
        )

    def destination_settings(self, receiver: R, address: str) -> Mapping[str, Any]:
        """The destination's ``settings`` (as in region.yaml) for delivering to ``address``.

        ``address`` is ``receiver.address``, or the same address on a port where nothing listens.
        """
        raise NotImplementedError(f"{type(self).__name__} must define destination_settings(receiver, address)")

    def samples(self) -> Sequence[SubmissionData]:
        """Submissions the connector maps and delivers (see :func:`hub.testing.submission_from`)."""
        raise NotImplementedError(f"{type(self).__name__} must define samples()")

    def unmappable_samples(self) -> Sequence[Unmappable]:
        """Submissions ``build`` refuses, each with the pointers its error must name."""
        raise NotImplementedError(f"{type(self).__name__} must define unmappable_samples()")

    def delivered_id(self, message: OutboundMessage) -> str:
        """The id by which the receiver knows a delivered ``message``: what its ``received_message_ids`` lists.

        The hub's message id, for every target that carries it (an ``Idempotency-Key``, the XÖV
        ``nachrichtenUUID``, the file's name). A target whose protocol has no place for it names the
        stable part of the stored message the receiver sees instead (FIT-Connect: the metadata's
        ``senderReference``); ``build`` must put that into the message as it would the id.
        """
        return message.message_id

    def connector_context(self) -> ConnectorContext:
        """What the hub hands the connector: by default the mapping specs of ``HUB_MAPPINGS_DIR``
        (the project's ``mappings/``) and the schema sets of ``HUB_SCHEMA_PATH``."""
        settings = Settings()
        return ConnectorContext(
            mappings=MappingCatalog.load(settings.mappings_dir),
            schemas=SchemaCatalog.from_path(settings.schema_path),
        )

    def destination(self, receiver: R, address: str) -> Destination:
        """The configured destination under test; override for concurrency, retry or circuit settings."""
        return Destination(
            id=f"conformance-{self.connector_name}",
            name=f"conformance test of {self.connector_name}",
            connector=self.connector_name,
            settings=dict(self.destination_settings(receiver, address)),
            standard=self.standard,
        )

    # -- fixtures -------------------------------------------------------------------------------

    # Class-scoped fixtures are classmethods (pytest's rule); the hooks stay plain methods of an instance.

    @pytest.fixture(scope="class")
    @classmethod
    def running_receiver(cls) -> Iterator[R]:
        with cls().start_receiver() as running:
            yield running

    @pytest.fixture
    def receiver(self, running_receiver: R) -> Iterator[R]:
        running_receiver.clear()
        yield running_receiver
        running_receiver.clear()

    @pytest.fixture(scope="class")
    @classmethod
    def hub_context(cls) -> ConnectorContext:
        return cls().connector_context()

    @pytest.fixture(scope="class")
    @classmethod
    def connector_class(cls) -> type[Connector]:
        return ConnectorRegistry().get(cls.connector_name)

    @pytest.fixture
    def connect(self, connector_class: type[Connector], hub_context: ConnectorContext) -> Iterator[Connect]:
        made: list[Connector] = []

        def make(receiver: R, address: str | None = None) -> Connector:
            connector = connector_class(self.destination(receiver, address or receiver.address), hub_context)
            made.append(connector)
            return connector

        yield make
        for connector in made:
            connector.close()

    def _samples(self) -> Sequence[SubmissionData]:
        samples = self.samples()
        assert samples, f"{type(self).__name__}.samples() must give at least one submission"
        return samples

    # -- the suite ------------------------------------------------------------------------------

    def test_the_connector_is_found_through_its_entry_point(self, connector_class: type[Connector]) -> None:
        # Given the entry points installed in this environment
        declared = [ep for ep in entry_points(group=GROUP) if ep.name == self.connector_name]

        # When the one named like the connector is loaded
        assert len(declared) == 1, f"expected one {GROUP!r} entry point named {self.connector_name!r}: {declared}"
        info = describe(declared[0])

        # Then it is the Connector class the registry gives, named like its entry point
        assert info.error is None, info.error
        assert info.connector is connector_class
        assert connector_class.name == self.connector_name
        assert isinstance(connector_class.requests_per_send, int)
        assert connector_class.requests_per_send >= 1
        assert isinstance(connector_class.sends_attachments, bool)

    def test_build_maps_every_sample_into_a_message_carrying_its_id(self, receiver: R, connect: Connect) -> None:
        # Given a connector for a destination at the receiver
        connector = connect(receiver)

        for submission in self._samples():
            # When a sample is built with a fresh message id
            message_id = new_message_id()
            message = connector.build(submission, message_id)

            # Then the message is bytes of a media type, with string headers, and carries the id
            assert isinstance(message, OutboundMessage)
            assert message.message_id == message_id
            assert isinstance(message.body, bytes)
            assert message.body, "the body is empty"
            assert message.media_type
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in message.headers.items())
            assert message.attachments == (), "files are added by the worker at send time, not stored"
            known_by = self.delivered_id(message)
            carried = known_by.encode() in message.body or known_by in message.headers.values()
            assert carried, "the message id must travel in the body or a header so the receiver can drop repeats"

    def test_build_is_stable_for_the_same_submission_and_message_id(self, receiver: R, connect: Connect) -> None:
        # Given a sample and a message id
        submission, message_id = self._samples()[0], new_message_id()

        # When two connectors (two hub processes) build it
        first = connect(receiver).build(submission, message_id)
        second = connect(receiver).build(submission, message_id)

        # Then they make the same message, and storing it changes nothing that is sent
        assert first == second
        stored = as_stored(first, submission, connect(receiver))
        assert (stored.message_id, stored.media_type, stored.body, stored.headers) == (
            first.message_id,
            first.media_type,
            first.body,
            first.headers,
        )

    def test_build_refuses_an_unmappable_submission_naming_its_pointers(self, receiver: R, connect: Connect) -> None:
        # Given a connector and the submissions it must refuse
        connector = connect(receiver)
        unmappable = self.unmappable_samples()
        assert unmappable, f"{type(self).__name__}.unmappable_samples() must give at least one submission"

        for case in unmappable:
            # When one is built
            with pytest.raises(MappingError) as caught:
                connector.build(case.submission, new_message_id())

            # Then the error names the payload's fields by JSON pointer, as a 422 will show them
            named = [problem.pointer for problem in caught.value.problems]
            assert named, f"MappingError without problems: {caught.value}"
            assert all(p.startswith("/") for p in named), f"not JSON pointers: {named}"
            assert set(case.pointers) <= set(named), f"expected {case.pointers}, got {named}"
            assert not isinstance(caught.value, DeliveryError)

    def test_build_needs_no_receiver(self, receiver: R, connect: Connect) -> None:
        # Given a destination whose receiver is not listening
        with unreachable(receiver.address) as address:
            connector = connect(receiver, address)

            # When every sample is built, then each is (intake must not depend on the receiver)
            for submission in self._samples():
                message_id = new_message_id()
                assert connector.build(submission, message_id).message_id == message_id

    def test_send_delivers_the_stored_message_and_returns_a_receipt(self, receiver: R, connect: Connect) -> None:
        # Given every sample built and stored
        connector = connect(receiver)
        sent: list[str] = []

        for submission in self._samples():
            message_id = new_message_id()
            message = as_stored(connector.build(submission, message_id), submission, connector)

            # When it is sent
            receipt = connector.send(message)

            # Then a receipt comes back that the hub can store
            assert isinstance(receipt, Receipt)
            json.dumps(receipt.as_dict())
            sent.append(self.delivered_id(message))

        # And the receiver took each message once
        assert sorted(receiver.received_message_ids()) == sorted(sent)

    def test_a_transient_failure_is_retried_with_the_same_message(self, receiver: R, connect: Connect) -> None:
        # Given a stored message and a receiver that fails the next attempts
        connector = connect(receiver)
        submission, message_id = self._samples()[0], new_message_id()
        message = as_stored(connector.build(submission, message_id), submission, connector)
        receiver.fail_transiently(self.transient_failures)

        # When the worker attempts it, then each failed attempt is transient (worth a retry)
        for attempt in range(self.transient_failures):
            with pytest.raises(TransientError) as caught:
                connector.send(message)
            assert str(caught.value), f"attempt {attempt + 1}: a TransientError without a reason"

        # And the next attempt of the same stored message gets through, under the same id
        assert isinstance(connector.send(message), Receipt)
        assert receiver.received_message_ids() == [self.delivered_id(message)]

    def test_a_refusal_is_a_permanent_error(self, receiver: R, connect: Connect) -> None:
        # Given a stored message and a receiver that refuses the next one
        connector = connect(receiver)
        submission, message_id = self._samples()[0], new_message_id()
        message = as_stored(connector.build(submission, message_id), submission, connector)
        receiver.refuse_next()

        # When it is sent, then the refusal is permanent (a dead letter, not a retry) and says why
        with pytest.raises(PermanentError) as caught:
            connector.send(message)
        assert str(caught.value)
        assert self.delivered_id(message) not in receiver.received_message_ids()

    def test_a_receiver_that_is_not_listening_is_a_transient_failure(self, receiver: R, connect: Connect) -> None:
        # Given a destination on a port where nothing listens
        with unreachable(receiver.address) as address:
            connector = connect(receiver, address)
            submission = self._samples()[0]
            message = as_stored(connector.build(submission, new_message_id()), submission, connector)

            # When a message is sent, then the failure is transient
            with pytest.raises(TransientError):
                connector.send(message)

    def test_close_may_be_called_twice(self, receiver: R, connect: Connect) -> None:
        # Given a connector that never sent and one that did
        idle, used = connect(receiver), connect(receiver)
        submission = self._samples()[0]
        used.send(as_stored(used.build(submission, new_message_id()), submission, used))

        # When each is closed twice, then nothing fails
        for connector in (idle, used):
            connector.close()
            connector.close()


__all__ = ["Connect", "ConnectorConformance", "Unmappable", "new_message_id"]
