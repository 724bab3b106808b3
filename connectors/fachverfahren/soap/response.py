"""Reading a SOAP answer: the hub's safe parser, fault classification, the receipt's reference.

* A SOAP fault decides by whose fault it is: ``Server`` (1.1) / ``Receiver`` (1.2) is worth
  retrying, ``Client`` / ``Sender`` and anything else (``VersionMismatch``, ``MustUnderstand``) is
  not. The fault's detail elements can override that either way (``permanentFaults``,
  ``transientFaults``), because vendors often answer a refusal on the merits as a Server fault.
  SOAP 1.1 sends every fault with HTTP 500, so the fault is read before the status.
* Without a fault, the status decides as for every HTTP destination
  (:func:`hub.connectors.http.raise_for_delivery`: 5xx, 408, 425, 429 transient, other 4xx permanent).
* An answer that is no SOAP envelope at all (a proxy's HTML page, whatever its DOCTYPE) is not
  parsed: the status decides, and a 2xx one is transient, like a truncated body
  (:mod:`connectors.xoev.xta.envelope` looks at the root element only).
* An envelope the safe parser refuses (a DOCTYPE with entities or an external DTD: XXE) is a
  permanent error: that receiver needs an operator's look, and nothing from the answer is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from lxml import etree

from connectors.xoev.xta.envelope import SOAP11_ENV, SOAP12_ENV, not_an_envelope
from hub.connectors.base import Receipt
from hub.connectors.http import EXCERPT_CHARS, raise_for_delivery
from hub.errors import DeliveryError, PermanentError, TransientError
from hub.xml import MalformedXmlError, UnsafeXmlError, parse_xml

_ENVELOPES = {SOAP11_ENV: "1.1", SOAP12_ENV: "1.2"}
_RETRYABLE_CODES = frozenset({"Server", "Receiver"})


@dataclass(frozen=True, slots=True)
class SoapFault:
    code: str
    """The fault code's local name, without SOAP 1.1 dotted refinements: ``Server``, ``Sender`` ..."""
    reason: str
    details: tuple[str, ...] = ()
    """The detail's child elements in Clark notation (``{ns}Fachfehler``)."""
    detail_text: str = ""

    def detail_matches(self, names: frozenset[str]) -> bool:
        return any(d in names or etree.QName(d).localname in names for d in self.details)


@dataclass(frozen=True, slots=True)
class FaultPolicy:
    permanent: frozenset[str] = frozenset()
    transient: frozenset[str] = frozenset()


def read_answer(
    response: httpx.Response,
    *,
    operation: str,
    policy: FaultPolicy,
    receipt_path: str | None,
    namespaces: Mapping[str, str],
) -> Receipt:
    """The receipt for a successful answer; raises TransientError or PermanentError otherwise."""
    status = response.status_code
    excerpt = response.text[:EXCERPT_CHARS]
    instead = not_an_envelope(response.content, response.headers.get("content-type"))
    root = None
    unreadable: str | None = None
    if instead is None and response.content.strip():
        try:
            root = parse_xml(response.content)
        except UnsafeXmlError as exc:
            raise PermanentError(
                f"{operation}: the answer (HTTP {status}) was refused unread: {exc}", status_code=status
            ) from exc
        except MalformedXmlError as exc:
            unreadable = str(exc)
    body = _body(root)
    fault = read_fault(body) if body is not None else None
    if fault is not None:
        raise classify_fault(fault, operation, policy, status, excerpt)
    raise_for_delivery(response)
    if instead is not None:
        raise TransientError(
            f"{operation}: the answer (HTTP {status}) is no SOAP envelope: {instead}",
            status_code=status,
            response_excerpt=excerpt,
        )
    if root is None:
        if unreadable is None:  # an empty 2xx: accepted, nothing to refer to (e.g. 202 for one-way)
            return Receipt(reference=None, status_code=status, detail={"operation": operation})
        raise TransientError(
            f"{operation}: unreadable answer: {unreadable}", status_code=status, response_excerpt=excerpt
        )
    if body is None:
        raise TransientError(
            f"{operation}: the answer is no SOAP envelope ({etree.QName(root).text})",
            status_code=status,
            response_excerpt=excerpt,
        )
    reference = receipt_reference(body, receipt_path, namespaces) if receipt_path else None
    return Receipt(reference=reference, status_code=status, detail={"operation": operation})


def _body(root: Any) -> Any:
    if root is None or not isinstance(root.tag, str):
        return None
    namespace = etree.QName(root).namespace
    if namespace not in _ENVELOPES or etree.QName(root).localname != "Envelope":
        return None
    return root.find(f"{{{namespace}}}Body")


def read_fault(body: Any) -> SoapFault | None:
    """The fault in a SOAP 1.1 or 1.2 ``Body``, if there is one."""
    namespace = etree.QName(body).namespace
    fault = body.find(f"{{{namespace}}}Fault")
    if fault is None:
        return None
    if namespace == SOAP12_ENV:
        value = fault.find(f"{{{SOAP12_ENV}}}Code/{{{SOAP12_ENV}}}Value")
        code = _qname_local(value)
        reason = fault.findtext(f"{{{SOAP12_ENV}}}Reason/{{{SOAP12_ENV}}}Text") or ""
        detail = fault.find(f"{{{SOAP12_ENV}}}Detail")
    else:
        code = _qname_local(fault.find("faultcode")).split(".", 1)[0]
        reason = fault.findtext("faultstring") or ""
        detail = fault.find("detail")
    details: tuple[str, ...] = ()
    text = ""
    if detail is not None:
        details = tuple(child.tag for child in detail if isinstance(child.tag, str))
        text = " ".join(" ".join(detail.itertext()).split())[:EXCERPT_CHARS]
    return SoapFault(code=code or "?", reason=" ".join(reason.split()), details=details, detail_text=text)


def _qname_local(element: Any) -> str:
    """The local part of a QName-valued element (``soap:Server`` → ``Server``)."""
    if element is None or not element.text:
        return ""
    return str(element.text.strip().rpartition(":")[2])


def classify_fault(fault: SoapFault, operation: str, policy: FaultPolicy, status: int, excerpt: str) -> DeliveryError:
    """Transient for Server/Receiver faults, permanent for the rest; configured details decide first."""
    details = ", ".join(etree.QName(d).localname for d in fault.details)
    message = f"{operation}: SOAP fault {fault.code}: {fault.reason or 'no reason given'}"
    if details:
        message += f" [{details}: {fault.detail_text}]" if fault.detail_text else f" [{details}]"
    if fault.detail_matches(policy.permanent):
        return PermanentError(message, status_code=status, response_excerpt=excerpt)
    if fault.detail_matches(policy.transient) or fault.code in _RETRYABLE_CODES:
        return TransientError(message, status_code=status, response_excerpt=excerpt)
    return PermanentError(message, status_code=status, response_excerpt=excerpt)


def receipt_reference(body: Any, receipt_path: str, namespaces: Mapping[str, str]) -> str | None:
    """The value ``receipt_path`` (XPath on the ``Body``) selects: a string, a number, or the first node's text."""
    result = body.xpath(receipt_path, namespaces=dict(namespaces))
    if isinstance(result, list):
        result = result[0] if result else None
    if result is None or isinstance(result, bool):
        return None
    if isinstance(result, etree._Element):
        result = "".join(result.itertext())
    if isinstance(result, float) and result.is_integer():
        result = int(result)
    text = str(result).strip()
    return text or None
