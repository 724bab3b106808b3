"""Building the SOAP request of one operation from its parameters, and checking it against the WSDL.

Three checks, each catching what the one before lets through:

1. :func:`check_parameters` walks the parameters beside the request element's type as zeep sees
   it: unknown names (a mapping spec that does not fit the WSDL), missing required elements, a
   list where one value goes, and values zeep would silently coerce (anything but ``true``/``false``
   into ``xs:boolean`` becomes ``true``; a boolean into a text element becomes ``True``), and text
   XML cannot carry (control characters, which would fail the whole request at no place);
2. zeep serializes the envelope (``client.create_message``) and raises on what it cannot;
3. lxml validates the body element against the WSDL's schema: lengths, patterns, enumerations and
   the lexical form of dates and numbers, which zeep passes through unchecked.

Every problem names its place in the parameters (``("Hunde", "Hund", 1, "Name")``) so that the
connector can point at the submission's field, and where it applies the element in the request.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import ValidationError as ZeepValidationError
from zeep.xsd import AnySimpleType, ComplexType
from zeep.xsd.elements import Any as AnyElement
from zeep.xsd.elements import Element
from zeep.xsd.elements.indicators import All
from zeep.xsd.elements.indicators import Sequence as SequenceIndicator
from zeep.xsd.types.builtins import Boolean

from hub.connectors.schemas import XsdValidator

Path = tuple[str | int, ...]
"""A place in the operation's parameters: element names (zeep's keyword names) and list indices."""

_BOOLEAN_WORDS = frozenset({"true", "false", "1", "0"})
_ELEMENT_PREFIX = re.compile(r"^Element '[^']*'(?:, attribute '[^']*')?: ")
_CLARK = re.compile(r"\{[^}]*\}")
_STEP = re.compile(r"^(?:[^:\[\]]+:)?(?P<name>[^:\[\]]+)(?:\[(?P<index>\d+)\])?$")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot carry: lxml refuses the whole request, so each is found at its place first."""


@dataclass(frozen=True, slots=True)
class RequestProblem:
    path: Path
    message: str
    location: str | None = None
    """The element in the request (``VorgangAnlegen/Hunde/Hund[2]/Name``), when known."""
    unknown_name: bool = False
    """The parameters name an element the WSDL does not have: the mapping spec is wrong, not the data."""


class InvalidRequest(Exception):
    def __init__(self, problems: Sequence[RequestProblem]) -> None:
        super().__init__("; ".join(f"{_location(p.path)}: {p.message}" for p in problems))
        self.problems = list(problems)


def build_envelope(
    client: Any, service: Any, operation: str, body_element: Element, params: Mapping[str, Any]
) -> etree._Element:
    """The request envelope zeep makes from ``params``; raises :class:`InvalidRequest`."""
    problems = list(check_parameters(body_element, params))
    if problems:
        raise InvalidRequest(problems)
    try:
        envelope: etree._Element = client.create_message(service, operation, **params)
    except ZeepValidationError as exc:
        path = tuple(exc.path[1:]) if exc.path else ()
        raise InvalidRequest([RequestProblem(path, exc.message)]) from exc
    except (ZeepError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidRequest([RequestProblem((), f"zeep cannot serialize the request: {exc}")]) from exc
    return envelope


def validate_body(validator: XsdValidator, body: etree._Element, params: Mapping[str, Any]) -> None:
    """Check the request's body element against the WSDL's schema; raises :class:`InvalidRequest`."""
    problems = validator.validate(copy.deepcopy(body))
    if not problems:
        return
    found = []
    for problem in problems:
        path, location = from_xml_path(problem.path or "", params)
        message = _CLARK.sub("", _ELEMENT_PREFIX.sub("", problem.message.strip()))
        found.append(RequestProblem(path, message, location))
    raise InvalidRequest(found)


def check_parameters(element: Element, params: Any) -> Iterator[RequestProblem]:
    """What zeep would refuse or silently mangle in ``params`` for the request element."""
    yield from _check_complex(element.type, params, ())


def _check(element: Element, value: Any, path: Path) -> Iterator[RequestProblem]:
    if isinstance(value, list):
        if not element.accepts_multiple:
            yield RequestProblem(path, "takes one value, not a list")
            return
        for index, item in enumerate(value):
            yield from _check_one(element, item, (*path, index))
        return
    yield from _check_one(element, value, path)


def _check_one(element: Element, value: Any, path: Path) -> Iterator[RequestProblem]:
    if value is None:
        return
    kind = element.type
    if isinstance(kind, ComplexType):
        yield from _check_complex(kind, value, path)
    elif isinstance(kind, AnySimpleType):
        problem = _simple_problem(kind, value)
        if problem:
            yield RequestProblem(path, problem)


def _check_complex(kind: Any, value: Any, path: Path) -> Iterator[RequestProblem]:
    if not isinstance(value, Mapping):
        yield RequestProblem(path, f"is a structure ({_type_name(kind)}), got {type(value).__name__}")
        return
    if not _plain(kind._element):
        return  # choices, wildcards, groups: left to zeep and the schema
    children = dict(kind.elements)
    attributes = {name for name, _ in kind.attributes}
    for name in value:
        if name not in children and name not in attributes:
            known = ", ".join(children) or "none"
            yield RequestProblem(
                (*path, name), f"is no element of {_type_name(kind)} (it has {known})", unknown_name=True
            )
    required = kind._element is None or (kind._element.min_occurs or 0) > 0
    for name, child in children.items():
        present = value.get(name)
        if present is None or present == []:
            if required and child.min_occurs and not child.nillable:
                yield RequestProblem((*path, name), "is required by the destination's interface")
            continue
        yield from _check(child, present, (*path, name))


def _plain(indicator: Any) -> bool:
    """A sequence or all of named elements: the content models whose names and cardinality are sure."""
    if indicator is None:
        return True
    if not isinstance(indicator, SequenceIndicator | All) or indicator.accepts_multiple:
        return False
    for item in indicator:
        if isinstance(item, AnyElement) or not (isinstance(item, Element) or _plain(item)):
            return False
    return True


def _simple_problem(kind: AnySimpleType, value: Any) -> str | None:
    if isinstance(value, Mapping | list):
        return f"takes a single value ({_type_name(kind)}), got a {type(value).__name__}"
    if isinstance(kind, Boolean):
        if isinstance(value, bool) or (isinstance(value, str) and value.strip() in _BOOLEAN_WORDS):
            return None
        return f"must be true or false (xs:boolean), got {value!r}"
    if isinstance(value, bool):
        return f"takes a {_type_name(kind)}, got the boolean {value!r}"
    if isinstance(value, str) and _NOT_XML.search(value):
        return "contains characters XML cannot carry (control characters)"
    return None


def _type_name(kind: Any) -> str:
    qname = getattr(kind, "qname", None)
    return str(getattr(qname, "localname", None) or kind.__class__.__name__)


def from_xml_path(xml_path: str, params: Mapping[str, Any]) -> tuple[Path, str | None]:
    """The parameter path of an element named by an lxml error path (``/ns0:Op/ns0:Hund[2]/ns0:Name``).

    The first step is the validated body element itself. Indices count from 1 and only appear
    where siblings share a name; a list in the parameters always gets its index in the result.
    """
    steps = [s for s in xml_path.split("/") if s]
    if not steps:
        return (), None
    path: list[str | int] = []
    readable = [_readable(steps[0])]
    node: Any = params
    for step in steps[1:]:
        match = _STEP.match(step)
        if match is None:  # e.g. "*" for an element in a default namespace: XPath cannot name it
            break
        name, index = match["name"], int(match["index"]) - 1 if match["index"] else 0
        readable.append(_readable(step))
        path.append(name)
        node = node.get(name) if isinstance(node, Mapping) else None
        if isinstance(node, list):
            path.append(index)
            node = node[index] if index < len(node) else None
    return tuple(path), "/".join(readable)


def xml_location(root: str, path: Path) -> str:
    """An element path like lxml's (``VorgangAnlegen/Hunde/Hund[2]/Name``) for a parameter path."""
    steps = [root]
    for part in path:
        if isinstance(part, int):
            steps[-1] += f"[{part + 1}]"
        else:
            steps.append(part)
    return "/".join(steps)


def _readable(step: str) -> str:
    return step.split(":", 1)[-1]


def _location(path: Path) -> str:
    return "/" + "/".join(str(p) for p in path)
