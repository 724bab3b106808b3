"""Mapping: declarative specs that turn a portal's envelope into a destination's document."""

from hub.mapping.catalog import MappingCatalog
from hub.mapping.engine import apply_spec
from hub.mapping.spec import FieldRule, MappingSpec, load_spec

__all__ = ["FieldRule", "MappingCatalog", "MappingSpec", "apply_spec", "load_spec"]
