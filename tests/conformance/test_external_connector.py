"""A connector written outside the project: installed from its own folder, found through its entry point,
and green on the conformance suite.

The example package (``examples/hub-connector-example``) is copied, so building it leaves nothing in the
checkout, and installed with pip into a folder of this test only (``--target``), never into the venv.
The ``hub`` command and the package's own pytest run as subprocesses with that folder on
``PYTHONPATH``, from a neutral working directory, so nothing of the example's source tree or of the
project's ``tests`` package is importable: only what pip installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hub.config import PROJECT_ROOT
from hub.testing import ConnectorConformance
from tests.support.cli import clean_environ, describe

EXAMPLE = PROJECT_ROOT / "examples" / "hub-connector-example"
TIMEOUT = 120


def run(*args: str, cwd: Path, site: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**clean_environ(), "COLUMNS": "250", "PYTHONIOENCODING": "utf-8"}
    env.pop("PYTHONPATH", None)
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(site folder the package was installed into, copy of its source folder)."""
    root = tmp_path_factory.mktemp("external-connector")
    source, site = root / "hub-connector-example", root / "site"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    result = run(
        "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
        "--target", str(site), str(source),
        cwd=root,
    )  # fmt: skip
    assert result.returncode == 0, describe(result)
    return site, source


def test_pip_installs_the_package_with_its_entry_point(installed: tuple[Path, Path]) -> None:
    # Given the example installed from its own folder
    site, _ = installed

    # When its metadata is read, then it declares the connector in the hub.connectors group
    (dist_info,) = site.glob("emscher_echo_connector-*.dist-info")
    assert "[hub.connectors]\necho-json = emscher_echo_connector.connector:EchoJsonConnector" in (
        dist_info / "entry_points.txt"
    ).read_text(encoding="utf-8")
    assert (site / "emscher_echo_connector" / "connector.py").is_file()


def test_hub_connectors_list_finds_it_through_its_entry_point(installed: tuple[Path, Path]) -> None:
    # Given the installed package on the path of a hub process
    site, _ = installed

    # When the operator lists the connectors
    result = run("-m", "hub", "connectors", "list", "--json", cwd=site.parent, site=site)

    # Then the plugin is there, loaded from the installed distribution, beside the project's own
    assert result.returncode == 0, describe(result)
    listed = {entry["name"]: entry for entry in json.loads(result.stdout)}
    assert listed["echo-json"] == {
        "name": "echo-json",
        "class": "emscher_echo_connector.connector:EchoJsonConnector",
        "distribution": "emscher-echo-connector",
        "version": "0.1.0",
        "requestsPerSend": 1,
        "sendsAttachments": False,
        "summary": "A submission as plain JSON, POSTed to a URL with the message id as Idempotency-Key.",
        "error": None,
    }
    assert {"fachverfahren-rest", "xoev-xta"} <= set(listed)


def test_the_registry_loads_it_from_the_installed_folder(installed: tuple[Path, Path]) -> None:
    # Given the installed package on the path of another Python process
    site, _ = installed
    probe = (
        "import sys; from hub.connectors.registry import ConnectorRegistry; "
        "cls = ConnectorRegistry().get('echo-json'); print(cls.__name__, sys.modules[cls.__module__].__file__)"
    )

    # When the hub's registry looks the connector up by name
    result = run("-c", probe, cwd=site.parent, site=site)

    # Then it loads the class from the site folder pip wrote
    assert result.returncode == 0, describe(result)
    name, module_file = result.stdout.split()
    assert name == "EchoJsonConnector"
    assert Path(module_file).is_relative_to(site)


def test_its_own_conformance_suite_passes(installed: tuple[Path, Path], tmp_path: Path) -> None:
    # Given the installed package, and the tests and settings that ship with its source, without its code
    site, source = installed
    shutil.copytree(source / "tests", tmp_path / "tests")
    shutil.copy(source / "pyproject.toml", tmp_path / "pyproject.toml")
    inherited = [name for name in dir(ConnectorConformance) if name.startswith("test_")]

    # When the package's tests run with its own pytest settings
    result = run(
        "-m", "pytest", "-p", "no:cacheprovider", "-q", "--rootdir", str(tmp_path), str(tmp_path / "tests"),
        cwd=tmp_path, site=site,
    )  # fmt: skip

    # Then every test of the inherited conformance suite ran and passed
    assert result.returncode == 0, describe(result)
    assert f"{len(inherited)} passed" in result.stdout, result.stdout
