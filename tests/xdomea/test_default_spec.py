"""The mapping catalog's default spec: ``service: "*"`` serves every service without a spec of its own."""

from __future__ import annotations

import shutil
from pathlib import Path

from hub.config import PROJECT_ROOT
from hub.mapping.catalog import MappingCatalog

ANY = PROJECT_ROOT / "mappings" / "any.xdomea-3.1.0.yaml"


def test_a_service_without_its_own_spec_gets_the_default_and_its_own_spec_wins(tmp_path: Path) -> None:
    # Given the default xdomea spec and, for sperrmuell only, a spec of its own
    shutil.copy(ANY, tmp_path / ANY.name)
    own = ANY.read_text(encoding="utf-8").replace('\nservice: "*"', "\nservice: sperrmuell", 1)
    (tmp_path / "sperrmuell.xdomea-3.1.0.yaml").write_text(own, encoding="utf-8")

    # When the catalog is loaded
    catalog = MappingCatalog.load(tmp_path)

    # Then sperrmuell has its own spec, any other service the default, another standard none
    own_spec = catalog.xml_spec("sperrmuell", "xdomea-3.1.0")
    default = catalog.xml_spec("hundesteuer-anmeldung", "xdomea-3.1.0")
    assert own_spec is not None
    assert own_spec.path.name == "sperrmuell.xdomea-3.1.0.yaml"
    assert default is not None
    assert default.path.name == ANY.name
    assert catalog.xml_spec("hundesteuer-anmeldung", "xbau-2.6") is None
