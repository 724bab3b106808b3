"""Installing schema sets from a folder, a zip, a URL; zip-slip and other bad archives are refused."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from hub.schemas import SchemaCatalog, SchemaInstallError, install
from tests.schemas.conftest import STANDARDS

XDOMEA = STANDARDS / "xdomea"


def _xdomea_zip(path: Path, top: str = "xdomea-3.1.0") -> Path:
    """An XRepository-style zip: the XSDs in a subfolder, with the ../xoev imports they need."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for folder in ("3.1.0", "xoev"):
            for file in sorted((XDOMEA / folder).iterdir()):
                zf.write(file, f"{top}/{folder}/{file.name}")
    return path


def _assert_installed_xdomea(schemas: Path, folder: Path) -> None:
    catalog = SchemaCatalog([schemas, STANDARDS])
    installed = catalog.get("xdomea-3.1.0")
    assert installed.folder == folder / "3.1.0"  # the folder holding the XSDs, whatever its name
    assert any(s.id == "xdomea-3.1.0" and s.folder.is_relative_to(STANDARDS) for s in catalog.shadowed)
    (result,) = [r for r in catalog.check() if r.set_id == "xdomea-3.1.0"]
    assert result.ok, result.error


def test_install_from_folder_makes_a_writable_copy(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    folder = install(str(STANDARDS / "xta2-2.1.1"), [tmp_path / "missing", schemas])
    assert folder == schemas / "xta2-2.1.1"
    assert (folder / ".xsd").is_file()  # the SOAP envelope XSD literally named ".xsd" is kept
    assert os.stat(folder / "XTA.wsdl").st_mode & stat.S_IWUSR
    assert [r.ok for r in SchemaCatalog([schemas]).check()] == [True]
    with pytest.raises(SchemaInstallError, match="already exists"):
        install(str(STANDARDS / "xta2-2.1.1"), [schemas])


def test_install_from_zip_with_subfolder(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    folder = install(str(_xdomea_zip(tmp_path / "download.zip")), [schemas])
    assert folder == schemas / "xdomea-3.1.0"
    _assert_installed_xdomea(schemas, folder)
    assert [p.name for p in schemas.iterdir()] == ["xdomea-3.1.0"]  # no staging left behind


def test_install_from_url(tmp_path: Path, file_server: tuple[str, Path]) -> None:
    base_url, served = file_server
    _xdomea_zip(served / "xdomea_3.1.0.zip")
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    folder = install(f"{base_url}/xdomea_3.1.0.zip", [schemas], name="xdomea-3.1.0-xrepo")
    assert folder == schemas / "xdomea-3.1.0-xrepo"
    _assert_installed_xdomea(schemas, folder)
    with pytest.raises(SchemaInstallError, match="404"):
        install(f"{base_url}/missing.zip", [schemas])


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        ("../evil.xsd", "'..'"),
        ("ok/../../evil.xsd", "'..'"),
        ("/tmp/evil.xsd", "absolute"),
        ("C:/evil.xsd", "absolute"),
    ],
)
def test_zip_slip_is_refused_before_anything_is_written(tmp_path: Path, member: str, reason: str) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("set/a.xsd", "<a/>")
        zf.writestr(zipfile.ZipInfo(member), "<evil/>")
    with zipfile.ZipFile(archive) as zf:
        assert member in zf.namelist()
    schemas = tmp_path / "deep" / "schemas"
    schemas.mkdir(parents=True)
    with pytest.raises(SchemaInstallError, match=reason):
        install(str(archive), [schemas])
    assert list(schemas.iterdir()) == []
    assert not (tmp_path / "deep" / "evil.xsd").exists()
    assert not (tmp_path / "evil.xsd").exists()


def test_symlink_in_zip_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        link = zipfile.ZipInfo("set/passwd.xsd")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(SchemaInstallError, match="symbolic link"):
        install(str(archive), [tmp_path])


def test_no_writable_directory_and_bad_sources(tmp_path: Path) -> None:
    with pytest.raises(SchemaInstallError, match="no writable directory"):
        install(str(STANDARDS / "fit-connect"), [tmp_path / "missing"])
    (tmp_path / "not-a-zip.zip").write_text("hello")
    with pytest.raises(SchemaInstallError, match="neither a folder"):
        install(str(tmp_path / "not-a-zip.zip"), [tmp_path])
    with pytest.raises(SchemaInstallError, match="invalid folder name"):
        install(str(STANDARDS / "fit-connect"), [tmp_path], name="../x")
