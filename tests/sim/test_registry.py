"""Simulators are found through the entry-point group ``hub.simulators``, and the landscape starts what it finds."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import httpx
import pytest

from hub.config import PROJECT_ROOT
from hub.routing.region import load_region
from hub.schemas import SchemaCatalog
from hub.sim import registry
from hub.sim.backoffice import create_backoffice_app
from hub.sim.kit.server import ServerThread
from hub.sim.landscape import Landscape, demo_ports
from hub.sim.registry import (
    InvalidSimulator,
    Placement,
    SimulatorDescriptor,
    SimulatorUnavailable,
    Started,
    discover,
)

REGION = PROJECT_ROOT / "config" / "emscher-lippe"


def test_every_simulator_of_the_project_is_found_through_its_entry_point() -> None:
    # When the installed simulators are discovered
    found = discover()

    # Then each of the project's six is there, under the name it registered
    assert set(found) == {"backoffice", "dms", "fitconnect", "sftp", "soap", "xta"}
    assert all(descriptor.name == name for name, descriptor in found.items())
    # And each keeps the demo port the README's URLs name
    expected = {"backoffice": 8101, "xta": 8102, "dms": 8103, "sftp": 8104, "soap": 8105, "fitconnect": 8106}
    assert demo_ports() == expected


def test_every_connector_the_region_delivers_with_is_played_by_a_found_simulator() -> None:
    # Given the connectors of the demo region's destinations (the portal's own callback aside)
    region = load_region(REGION)
    used = {destination.connector for destination in region.destinations.values()} - {"portal-callback"}

    # Then some found simulator plays each of them
    played = {kind for descriptor in discover().values() for kind in descriptor.plays}
    assert used <= played, used - played


PLACEMENTS: list[Placement] = []


def _echo(placement: Placement) -> Started:
    PLACEMENTS.append(placement)
    server = ServerThread(create_backoffice_app(), port=placement.port).start()
    return Started(server, {"HUB_ECHO_URL": server.url, "HUB_ECHO_SECRET": placement.secret}, note="echo")


def _unavailable(placement: Placement) -> Started:
    raise SimulatorUnavailable("needs a schema set that is not installed")


def test_the_landscape_starts_what_it_is_given_and_skips_what_cannot_run() -> None:
    # Given one simulator that starts and one that cannot run here
    echo = SimulatorDescriptor(name="echo", plays=("echo-json",), demo_port=9999, start=_echo)
    absent = SimulatorDescriptor(name="absent", plays=("nothing",), demo_port=9998, start=_unavailable)
    region = load_region(REGION)

    # When the landscape starts them for the region's municipalities
    with Landscape(
        SchemaCatalog.from_env(), region.municipalities.values(), simulators={"echo": echo, "absent": absent}
    ) as landscape:
        # Then the one runs, its environment is the landscape's, and the other is skipped with its reason
        url = landscape.servers["echo"].url
        assert httpx.get(f"{url}/healthz").status_code == 200
        environment = landscape.environment()
        assert environment["HUB_ECHO_URL"] == url
        assert environment["HUB_ECHO_SECRET"]
        assert landscape.skipped == {"absent": "needs a schema set that is not installed"}
        assert "absent" not in landscape.servers
        (placement,) = PLACEMENTS
        assert {m.slug for m in placement.municipalities} == {m.slug for m in region.municipalities.values()}
        assert placement.work.is_dir()

    # And stopping it ends the server and removes its folder
    assert not placement.work.exists()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/healthz", timeout=2)


def test_an_entry_point_naming_something_else_is_refused_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an entry point of hub.simulators that names a function instead of a descriptor
    wrong = EntryPoint(name="echo", value="hub.sim.landscape:demo_ports", group=registry.GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [wrong])

    # Then discovering says which entry point is wrong
    with pytest.raises(InvalidSimulator, match="'echo'"):
        discover()
