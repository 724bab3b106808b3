"""XBau benchmark: mapping plus validation of a typical Bauantrag against lxml's parse-plus-validate of it.

    python -m bench.xbau [--seconds 3] [--rounds 5]

One core, one thread, in this process. The message is what the hub makes of the region's Bauantrag
sample (``config/emscher-lippe/samples/bauantrag.json``, with a second builder-owner, a second plot
and three Anlagen: a typical application) for Gladbeck's Bauportal destination.

* ceiling: ``lxml.etree.fromstring`` of that message's bytes plus XSD validation with the compiled
  XBau 2.6 schema (``xsd/xbau-nachrichten-baugenehmigung.xsd``): what checking an already-made
  message costs at the least;
* hub (XSD): what the connector does at intake up to the XSD (compiled renderer, parse, validate);
  target: at least 0.50 of the ceiling's messages/s;
* hub (XSD + Schematron): the same plus the XBau Schematron rules (Saxon), as intake runs it;
  printed for the record, no target (the ceiling has no Schematron);
* interpreter (XSD): the lxml interpreter that reports problems, for comparison.

Rounds alternate ceiling and hub, so a change in the machine's load affects both; the best round of
each is reported (the least disturbed), and the ratio is taken from those.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from connectors.xoev.frame import Authority, message_frame, with_frame
from hub.config import PROJECT_ROOT
from hub.connectors.base import SubmissionData
from hub.connectors.xml_target import XmlTargetBuilder
from hub.mapping.xml import build_xml, load_xml_spec
from hub.schemas import SchemaCatalog

TARGET_RATIO = 0.50
SAMPLE = PROJECT_ROOT / "config" / "emscher-lippe" / "samples" / "bauantrag.json"
SPEC = PROJECT_ROOT / "mappings" / "bauantrag.xbau-2.6.yaml"
ENTRY = "xsd/xbau-nachrichten-baugenehmigung.xsd"


def typical_envelope() -> dict[str, Any]:
    """The sample grown to a typical application: two builder-owners, two plots, three Anlagen."""
    envelope: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    form = envelope["form"]
    partner = copy.deepcopy(form["bauherren"][0])
    partner.update(givenName="Hans", familyName="Mustermann")
    form["bauherren"].append(partner)
    plot = copy.deepcopy(form["grundstuecke"][0])
    plot["flurstuecke"][0].update(zaehler="346", nenner="1")
    form["grundstuecke"].append(plot)
    for number, (kind, name) in enumerate([("0102", "lageplan.pdf"), ("0100", "bauzeichnungen.pdf")], start=1):
        anlage = copy.deepcopy(form["anlagen"][0])
        anlage.update(attachment=number, anlageart=kind, fileName=name, bezeichnung=name.removesuffix(".pdf").title())
        form["anlagen"].append(anlage)
        envelope["attachments"].append({**envelope["attachments"][0], "fileName": name})
    submission = SubmissionData("6c1f0b7e-2d3a-4f5b-8c9d-0e1f2a3b4c5d", datetime.now(UTC), envelope)
    author = Authority("psw", "05562014", "Serviceportal Gladbeck")
    reader = Authority("bau", "05562014", "Bauaufsicht Gladbeck")
    return with_frame(submission, message_frame(submission, "3f2c1a9e-6b1d-4c55-9e0f-1a2b3c4d5e6f", author, reader))


def rate(work: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``work`` over about ``seconds``."""
    calls, started = 0, time.perf_counter()
    deadline = started + seconds
    while True:
        for _ in range(50):
            work()
        calls += 50
        now = time.perf_counter()
        if now >= deadline:
            return calls / (now - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    catalog = SchemaCatalog.from_env()
    builder = XmlTargetBuilder(load_xml_spec(SPEC), catalog)
    xsd = catalog.validator("xbau-2.6", ENTRY)
    envelope = typical_envelope()
    message = builder.build(envelope)  # also proves the message is valid (XSD + Schematron)

    def ceiling() -> None:
        problems = xsd.validate(etree.fromstring(message))
        assert not problems

    def hub_xsd() -> None:
        root = etree.fromstring(builder.render(envelope).encode())
        assert not xsd.validate(root)

    def hub_full() -> None:
        builder.build(envelope)

    def interpreter() -> None:
        assert not xsd.validate(build_xml(builder.bound, envelope, check_types=False))

    print(f"message: {len(message)} bytes, {sum(1 for _ in etree.fromstring(message).iter())} elements")
    cases = {"ceiling": ceiling, "hub (XSD)": hub_xsd, "hub (XSD + Schematron)": hub_full, "interpreter": interpreter}
    best = dict.fromkeys(cases, 0.0)
    for work in cases.values():
        rate(work, 0.3)  # warm-up
    for round_number in range(1, args.rounds + 1):
        figures = []
        for name, work in cases.items():
            measured = rate(work, args.seconds)
            best[name] = max(best[name], measured)
            figures.append(f"{name} {measured:,.0f}/s")
        print(f"round {round_number}: " + ", ".join(figures))
    print()
    for name, figure in best.items():
        print(f"{name:<24} {figure:>10,.0f} messages/s  ({1e6 / figure:,.0f} µs each)")
    ratio = best["hub (XSD)"] / best["ceiling"]
    with_rules = best["hub (XSD + Schematron)"] / best["ceiling"]
    verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
    print(f"ratio hub (XSD) / ceiling: {ratio:.2f}  (target >= {TARGET_RATIO:.2f}: {verdict})")
    print(f"ratio hub (XSD + Schematron) / ceiling: {with_rules:.2f}  (no target: the ceiling runs no Schematron)")


if __name__ == "__main__":
    main()
