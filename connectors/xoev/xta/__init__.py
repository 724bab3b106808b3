"""XTA 2 (XÖV Transport Adapter 2.1.1) client: zeep on the official WSDL, over httpx.

Build an :class:`XtaClient` from :class:`XtaSettings` and call :meth:`XtaClient.send_and_confirm`;
failures arrive as :class:`hub.errors.TransientError` or :class:`hub.errors.PermanentError`.
"""

from connectors.xoev.xta.client import FetchedMessage, StatusList, XtaClient, load_wsdl
from connectors.xoev.xta.errors import classify
from connectors.xoev.xta.metadata import KeyCode, XtaContent, XtaMetadata
from connectors.xoev.xta.report import ReportStatus, TransportReport
from connectors.xoev.xta.settings import Party, TlsFiles, XtaEndpoints, XtaSettings

__all__ = [
    "FetchedMessage",
    "KeyCode",
    "Party",
    "ReportStatus",
    "StatusList",
    "TlsFiles",
    "TransportReport",
    "XtaClient",
    "XtaContent",
    "XtaEndpoints",
    "XtaMetadata",
    "XtaSettings",
    "classify",
    "load_wsdl",
]
