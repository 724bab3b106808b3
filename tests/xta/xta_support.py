"""Shared values of the XTA tests: the WSDL location, two municipal accounts, client settings."""

from __future__ import annotations

from pathlib import Path

from connectors.xoev.xta import Party, TlsFiles, XtaEndpoints, XtaSettings
from hub.config import PROJECT_ROOT

XTA_DIR = PROJECT_ROOT.parent / "shared" / "standards" / "xta2-2.1.1"
WSDL = XTA_DIR / "XTA.wsdl"

GLADBECK = Party("dvdv:05562014-ordnungsamt", "xoev", name="Stadt Gladbeck")
HERTEN = Party("dvdv:05562020-steueramt", "xoev", name="Stadt Herten")


def settings_for(
    wsdl_path: Path, base_url: str, account: Party, timeout: float = 10.0, tls: TlsFiles | None = None
) -> XtaSettings:
    """An account on a simulator served at ``base_url`` (its ports live under ``/xta``)."""
    return XtaSettings(
        wsdl_path=wsdl_path,
        endpoints=XtaEndpoints.under(base_url + "/xta"),
        account=account,
        timeout=timeout,
        tls=tls,
    )
