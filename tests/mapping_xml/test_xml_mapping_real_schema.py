"""One real XÖV schema: paths into XBau 2.6 ``baugenehmigung.antrag.0200`` resolve; invented ones do not.

Only resolution and checks, not a full message: the real set shows that refs, group references,
unqualified local elements (the XÖV Nachrichtenkopf) and type checks work beyond the test schema.
"""

from __future__ import annotations

from pathlib import Path

from hub.mapping.xml import check_spec, load_xml_spec
from hub.schemas import SchemaCatalog

SPEC = """\
service: bauantrag
standard: xbau-2.6
schemaSet: xbau-2.6
root: "xbau:baugenehmigung.antrag.0200"
namespaces: {xbau: "http://www.xleitstelle.de/xbau/2/6"}
fields:
  - target: nachrichtenkopf.g2g/identifikation.nachricht/nachrichtenUUID
    const: 0c8f7a2e-4c1b-4e55-9a57-2d8f0a9a1b11
  - target: nachrichtenkopf.g2g/identifikation.nachricht/erstellungszeitpunkt
    const: "gestern"
  - target: xbau:antragsteller/xbau:erfundenesElement
    source: /applicant/familyName
"""


def test_xbau_paths_resolve_and_an_invented_child_is_rejected(standards_catalog: SchemaCatalog, tmp_path: Path) -> None:
    path = tmp_path / "bauantrag.xbau-2.6.yaml"
    path.write_text(SPEC, encoding="utf-8")

    problems = check_spec(load_xml_spec(path), standards_catalog)
    coverage = [p.message for p in problems if "cover" in p.message]  # the spec is deliberately incomplete
    by_line = {p.line: p.message for p in problems if "cover" not in p.message}

    assert 7 not in by_line  # the unqualified Nachrichtenkopf path resolves and the UUID fits its pattern
    assert "xs:dateTime" in by_line[9]
    assert (
        "xbau:baugenehmigung.antrag.0200/xbau:antragsteller has no child element xbau:erfundenesElement"
        in (by_line[11])
    )
    assert (
        "required element xbau:baugenehmigung.antrag.0200/xbau:referenzAntragsservice is not covered by any rule"
        in coverage
    )
    assert "required element xbau:baugenehmigung.antrag.0200/xbau:bauvorhaben is not covered by any rule" in coverage
