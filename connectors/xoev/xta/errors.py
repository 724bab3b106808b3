"""Turning what can go wrong in an XTA call into the hub's TransientError / PermanentError.

XTA says why it refuses in the SOAP fault's ``Detail``: one of the exception elements the WSDL
declares, with an ``errorCode`` from the XTA error code list. A refused account or a bad
parameter will not change by retrying; a technical problem at the XTA server will. Network
failures, timeouts and HTTP 5xx are transient like everywhere in the hub, and so is a 2xx answer
that is no SOAP envelope (a proxy's page, a body cut short): nothing of the server's was read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from lxml import etree
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault, TransportError, XMLSyntaxError

from connectors.xoev.xta.transport import NoSoapEnvelope
from hub.errors import DeliveryError, PermanentError, TransientError

XTA_NS = "http://xoev.de/transport/xta/211"

TRANSIENT_EXCEPTIONS = frozenset({"XTAWSTechnicalProblemException"})
PERMANENT_EXCEPTIONS = frozenset(
    {
        "PermissionDeniedException",
        "ParameterIsNotValidException",
        "MessageSchemaViolationException",
        "MessageVirusDetectionException",
        "SyncAsyncException",
        "InvalidMessageIDException",
        "CancelDeniedException",
    }
)
_TRANSIENT_STATUS = frozenset({408, 425, 429})
_EXCERPT_CHARS = 500


def fault_exception(fault: Fault) -> tuple[str | None, str | None, str | None]:
    """The XTA exception in a fault's detail: element name, error code and code name."""
    detail = fault.detail
    if not isinstance(detail, etree._Element):
        return None, None, None
    for child in detail:
        if isinstance(child.tag, str) and child.tag.startswith(f"{{{XTA_NS}}}"):
            error_code = child.find(f"{{{XTA_NS}}}errorCode")
            code = error_code.findtext("code") if error_code is not None else None
            name = error_code.findtext("name") if error_code is not None else None
            return etree.QName(child).localname, code, name
    return None, None, None


class UnknownMessageId(PermanentError):
    """The XTA server does not know the message id asked about (``InvalidMessageIDException``, 9070).

    Permanent for the call; for a sender asking after a message it may have sent, it means the
    message never arrived and can be sent afresh.
    """


def classify_fault(fault: Fault, operation: str) -> DeliveryError:
    """By the XTA exception if there is one, else by whose fault SOAP says it is."""
    exception, code, name = fault_exception(fault)
    reason = fault.message or name or "no reason given"
    label = f"{exception} {code}" if exception else f"SOAP fault {fault.code}"
    message = f"XTA {operation} refused: {label}: {reason}"
    excerpt = etree.tostring(fault.detail, encoding="unicode")[:_EXCERPT_CHARS] if fault.detail is not None else None
    if exception == "InvalidMessageIDException":
        return UnknownMessageId(message, response_excerpt=excerpt)
    if exception in TRANSIENT_EXCEPTIONS:
        return TransientError(message, response_excerpt=excerpt)
    if exception in PERMANENT_EXCEPTIONS:
        return PermanentError(message, response_excerpt=excerpt)
    # Unknown or no detail: SOAP 1.2 says a Receiver fault may succeed later, a Sender fault not.
    if (fault.code or "").endswith("Receiver"):
        return TransientError(message, response_excerpt=excerpt)
    return PermanentError(message, response_excerpt=excerpt)


def classify(exc: Exception, operation: str) -> DeliveryError:
    """The hub error for anything an XTA call raised."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, Fault):
        return classify_fault(exc, operation)
    if isinstance(exc, httpx.TransportError):  # connect, read, write, pool timeouts, protocol errors
        return TransientError(f"XTA {operation}: {type(exc).__name__}: {exc}")
    if isinstance(exc, TransportError):
        status = exc.status_code
        message = f"XTA {operation}: HTTP {status}: {exc.message}"
        excerpt = exc.content[:_EXCERPT_CHARS].decode("utf-8", "replace") if isinstance(exc.content, bytes) else None
        if 200 <= status < 300:
            return TransientError(
                f"XTA {operation}: the answer (HTTP {status}) is no SOAP envelope: {_instead(exc)}",
                status_code=status,
                response_excerpt=excerpt,
            )
        if not status or status >= 500 or status in _TRANSIENT_STATUS:
            return TransientError(message, status_code=status or None, response_excerpt=excerpt)
        return PermanentError(message, status_code=status, response_excerpt=excerpt)
    if isinstance(exc, XMLSyntaxError):
        return TransientError(f"XTA {operation}: unreadable answer: {exc}")
    if isinstance(exc, ZeepError):  # e.g. a request zeep cannot build from our data: retrying will not help
        return PermanentError(f"XTA {operation}: {type(exc).__name__}: {exc}")
    raise exc


def _instead(exc: TransportError) -> str:
    """What a 2xx answer zeep could not read was instead (zeep itself says so only with the whole body)."""
    if isinstance(exc, NoSoapEnvelope):
        return str(exc.message)
    if not exc.content:
        return "an empty body"
    return "XML that is not well-formed (cut short?)"


@contextmanager
def xta_errors(operation: str) -> Iterator[None]:
    """Run an XTA call; whatever it raises leaves as TransientError or PermanentError."""
    try:
        yield
    except DeliveryError:
        raise
    except Exception as exc:
        raise classify(exc, operation) from exc
