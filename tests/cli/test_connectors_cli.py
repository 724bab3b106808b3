"""``hub connectors list`` run as a real subprocess: the connector plugins of the environment.

A broken plugin is made the way one really arrives: a distribution's metadata on ``PYTHONPATH``
declaring a ``hub.connectors`` entry point whose module does not exist.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import HubCli, clean_environ, describe, table_rows

PROJECT_CONNECTORS = {
    "fachverfahren-rest": ("connectors.fachverfahren.rest.connector:RestConnector", 1, False),
    "fachverfahren-soap": ("connectors.fachverfahren.soap.connector:SoapConnector", 1, False),
    "fachverfahren-filedrop": ("connectors.fachverfahren.filedrop.connector:FileDropConnector", 4, True),
    "xoev-xta": ("connectors.xoev.connector:XtaConnector", 5, True),
    "bauportal-nrw": ("connectors.bauportal_nrw.connector:BauportalConnector", 5, True),
    "portal-callback": ("hub.connectors.callback:PortalCallbackConnector", 1, False),
}


def cli(**extra: str) -> HubCli:
    return HubCli({**clean_environ(), "COLUMNS": "250", "PYTHONIOENCODING": "utf-8", **extra})


def broken_plugin(site: Path) -> Path:
    """A distribution whose entry point names a module that was never installed."""
    dist_info = site / "broken_plugin-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n", encoding="utf-8")
    (dist_info / "entry_points.txt").write_text(
        "[hub.connectors]\nfax-machine = broken_plugin.fax:FaxConnector\n", encoding="utf-8"
    )
    return site


def test_the_table_lists_every_connector_of_the_project_with_what_it_declares() -> None:
    # Given the project installed in the environment
    # When the operator lists the connectors
    output = cli().ok("connectors", "list")

    # Then each of the project's connectors is a row: name, class, distribution, requests, attachments, summary
    rows = {row[0]: row for row in table_rows(output)}
    for name, (target, requests, attachments) in PROJECT_CONNECTORS.items():
        assert rows[name][1] == target
        assert rows[name][2].startswith("emscher-lippe-hub ")
        assert rows[name][3:5] == [str(requests), "yes" if attachments else "no"]
        assert rows[name][5], f"{name} has no docstring summary"
    assert list(rows) == sorted(rows)
    assert rows["fachverfahren-rest"][5].startswith("Back-office REST/JSON connector")


def test_json_gives_the_same_facts_for_scripts() -> None:
    # Given the project installed in the environment
    # When the connectors are listed as JSON
    listed = {entry["name"]: entry for entry in json.loads(cli().ok("connectors", "list", "--json"))}

    # Then each entry carries the class, its distribution and what the class declares, and no error
    for name, (target, requests, attachments) in PROJECT_CONNECTORS.items():
        entry = listed[name]
        assert (entry["class"], entry["requestsPerSend"], entry["sendsAttachments"]) == (target, requests, attachments)
        assert entry["distribution"] == "emscher-lippe-hub"
        assert entry["error"] is None


def test_a_plugin_that_cannot_be_imported_is_listed_with_its_reason_and_fails_the_command(tmp_path: Path) -> None:
    # Given a distribution on the path whose connector module is missing
    site = broken_plugin(tmp_path / "site")

    # When the connectors are listed, as a table and as JSON
    table = cli(PYTHONPATH=str(site)).run("connectors", "list")
    as_json = cli(PYTHONPATH=str(site)).run("connectors", "list", "--json")

    # Then the others are still listed, the broken one shows why, and the command exits 1 naming it
    assert table.returncode == 1, describe(table)
    rows = {row[0]: row for row in table_rows(table.stdout)}
    assert "fachverfahren-rest" in rows
    assert rows["fax-machine"][1:3] == ["broken_plugin.fax:FaxConnector", "broken-plugin 1.0"]
    assert "cannot import: ModuleNotFoundError" in rows["fax-machine"][5]
    assert "1 connector entry point(s) are broken: fax-machine" in table.stderr
    assert as_json.returncode == 1, describe(as_json)
    (broken,) = [e for e in json.loads(as_json.stdout) if e["name"] == "fax-machine"]
    assert broken["error"].startswith("cannot import: ModuleNotFoundError: No module named 'broken_plugin'")
    assert broken["requestsPerSend"] is None
