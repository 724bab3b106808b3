"""What connectors take from the schema catalog, in one place: schema sets, validators, a WSDL's types.

Connector packages import these names from here, never from :mod:`hub.schemas` itself:

- :class:`SchemaCatalog` (``self.context.schemas``: the sets installed under ``HUB_SCHEMA_PATH``) and
  :class:`SchemaNotInstalled`, which it raises for a set that is not there;
- :class:`Validator` (``catalog.validator(set_id)``: XSD or JSON Schema) and
  :class:`SchematronValidator` (``catalog.schematron(set_id)``);
- :func:`wsdl_types_validator`: a vendor's WSDL ``<types>`` schema compiled by lxml, for checking a
  SOAP request against every facet zeep's serializer does not look at.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from hub.schemas import SchemaCatalog, SchemaCompileError, SchemaNotInstalled, SchemaSet, Validator
from hub.schemas.model import SchemaProblem
from hub.schemas.schematron import SchematronValidator
from hub.schemas.xsd import XsdValidator, compile_xsd


@lru_cache(maxsize=16)
def wsdl_types_validator(wsdl: Path) -> tuple[XsdValidator | None, str | None]:
    """The WSDL's ``<types>`` schema (and its imports) compiled by lxml, or why it cannot be, once per file.

    lxml reads the schema out of the WSDL; its imports resolve beside it, offline.
    """
    schemas = SchemaSet(id=f"wsdl:{wsdl.name}", standard="wsdl", version="", folder=wsdl.parent, entries=(wsdl.name,))
    try:
        return compile_xsd(schemas, wsdl.name), None
    except SchemaCompileError as exc:
        return None, str(exc)


__all__ = [
    "SchemaCatalog",
    "SchemaNotInstalled",
    "SchemaProblem",
    "SchematronValidator",
    "Validator",
    "XsdValidator",
    "wsdl_types_validator",
]
