"""Schematron for the catalog: ISO Schematron compiled to XSLT 3.0 and run by Saxon (XPath 2+ rules)."""

from hub.schemas.schematron.compiler import SchematronError, compile_schematron
from hub.schemas.schematron.validator import SchematronValidator

__all__ = ["SchematronError", "SchematronValidator", "compile_schematron"]
