"""What connectors take from the mapping engine, in one place: specs, applying them, JSON pointers.

Connector packages import these names from here, never from :mod:`hub.mapping` itself, so the
engine's modules can change shape without touching a connector (the import contracts check it):

- :class:`MappingSpec` and :func:`apply_spec`: a JSON-target spec (``self.context.mappings.get(service,
  standard)``) applied to the envelope;
- :func:`source_pointer`: the envelope's JSON pointer a place in the mapped document came from, for
  problems a receiver's interface finds there (a WSDL facet, a FIT-Connect data schema);
- :func:`data_schema`: the hub's published JSON Schema of the data a spec makes (``dataSchema:``);
- :class:`XmlMappingSpec`: an XML-target spec (``self.context.mappings.xml_spec(service, standard)``),
  built and validated by :class:`~hub.connectors.xml_target.XmlTargetBuilder`;
- :func:`parse_pointer`, :func:`join_pointer`, :func:`assign_pointer`: RFC 6901 JSON pointers.
"""

from __future__ import annotations

from hub.mapping import pointer as _pointer
from hub.mapping.data_schemas import DataSchema, data_schema
from hub.mapping.engine import apply_spec
from hub.mapping.provenance import source_pointer
from hub.mapping.spec import MappingSpec
from hub.mapping.xml import XmlMappingSpec

parse_pointer = _pointer.parse
"""``"/form/dogs/0"`` → ``("form", "dogs", "0")``; raises ``ValueError`` for what is no JSON pointer."""
join_pointer = _pointer.join
"""``join_pointer("/form", "dogs", 0)`` → ``"/form/dogs/0"``, each token escaped."""
assign_pointer = _pointer.assign
"""``assign_pointer(document, "/a/b", value)``: set the value there, making the objects on the way."""

__all__ = [
    "DataSchema",
    "MappingSpec",
    "XmlMappingSpec",
    "apply_spec",
    "assign_pointer",
    "data_schema",
    "join_pointer",
    "parse_pointer",
    "source_pointer",
]
