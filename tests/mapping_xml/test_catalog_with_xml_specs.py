"""The hub's mapping catalog loads XML-target specs beside the JSON ones instead of choking on them."""

from __future__ import annotations

import shutil
from pathlib import Path

from hub.config import PROJECT_ROOT
from hub.mapping.catalog import MappingCatalog

FIXTURES = Path(__file__).parent / "fixtures" / "specs"


def test_a_mappings_folder_with_xml_specs_loads(tmp_path: Path) -> None:
    # Given the region's JSON specs and an XML-target spec in one folder
    for spec in (PROJECT_ROOT / "mappings").glob("*.yaml"):
        shutil.copy(spec, tmp_path / spec.name)
    shutil.copy(FIXTURES / "good.test-antrag.yaml", tmp_path / "good.test-antrag.yaml")

    # When the catalog is loaded
    catalog = MappingCatalog.load(tmp_path)

    # Then the JSON specs are ready to apply and the XML spec is kept for its connector to bind
    assert ("hundesteuer-anmeldung", "fachverfahren-json") in catalog
    assert ("testantrag", "test-antrag-1.0") in catalog.xml_specs
    assert ("bauantrag", "xbau-2.6") in catalog.xml_specs
    assert all(not standard.endswith("-json") for _, standard in catalog.xml_specs)
