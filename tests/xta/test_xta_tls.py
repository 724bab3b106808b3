"""Client TLS settings: the configured CA and client certificate end up in the httpx client's SSL context."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trustme

from connectors.xoev.xta import TlsFiles, XtaClient, XtaMetadata
from connectors.xoev.xta.transport import http_client, ssl_context
from hub.errors import TransientError
from hub.sim.xta import create_xta_app
from tests.support.tls import TlsServerThread, make_pki
from tests.xta.xta_support import GLADBECK, settings_for


def test_without_tls_files_the_platform_trust_is_used() -> None:
    assert ssl_context(None) is True
    assert ssl_context(TlsFiles()) is True


def test_ca_and_client_certificate_are_loaded(tmp_path: Path) -> None:
    ca = trustme.CA()
    client_cert = ca.issue_cert("hub.emscher-lippe.example")
    ca_file, cert_file, key_file = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    client_cert.cert_chain_pems[0].write_to_path(str(cert_file))
    client_cert.private_key_pem.write_to_path(str(key_file))

    context = ssl_context(TlsFiles(cert=cert_file, key=key_file, ca=ca_file))

    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert len(context.get_ca_certs()) == 1
    with http_client(5.0, TlsFiles(cert=cert_file, key=key_file, ca=ca_file)):
        pass


def test_a_key_that_does_not_match_is_refused(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    ca.issue_cert("a.example").cert_chain_pems[0].write_to_path(str(cert_file))
    ca.issue_cert("b.example").private_key_pem.write_to_path(str(key_file))

    with pytest.raises(ssl.SSLError):
        ssl_context(TlsFiles(cert=cert_file, key=key_file))


def test_send_over_mutual_tls(tmp_path: Path, wsdl_path: Path, metadata: XtaMetadata) -> None:
    """The WSDL's policy asks for HTTPS with a client certificate; the simulator behind a TLS server checks it."""
    pki = make_pki(tmp_path)
    tls = TlsFiles(cert=pki.client_cert_file, key=pki.client_key_file, ca=pki.ca_file)
    with TlsServerThread(create_xta_app(wsdl_path), pki) as server:
        with XtaClient(settings_for(wsdl_path, server.url, GLADBECK, tls=tls)) as client:
            assert client.send_and_confirm(b"<nachricht/>", metadata)["reportStatus"] == "GREEN"
        without_cert = TlsFiles(ca=pki.ca_file)
        with (
            XtaClient(settings_for(wsdl_path, server.url, GLADBECK, tls=without_cert)) as client,
            pytest.raises(TransientError),
        ):
            client.check_account_active()
