"""Telling a SOAP envelope from what a proxy answers instead, by the root element alone."""

from __future__ import annotations

import pytest

from connectors.xoev.xta.envelope import SOAP11_ENV, SOAP12_ENV, not_an_envelope


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (f'<?xml version="1.0"?><s:Envelope xmlns:s="{SOAP11_ENV}"><s:Body/></s:Envelope>', "text/xml"),
        (f'<e:Envelope xmlns:e="{SOAP12_ENV}"><e:Body><x>{"a" * 100_000}', "application/soap+xml"),
        (f'<s:Envelope xmlns:s="{SOAP11_ENV}"/>', "text/html"),  # mislabelled, but an envelope
        ("<s:Envelope", "text/xml"),  # cut off before its root: the full parse says so
        ("", None),
        # an internal subset is left to the safe parser, which refuses it unparsed
        (f'<!DOCTYPE s:Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]><s:Envelope xmlns:s="{SOAP11_ENV}"/>', None),
    ],
    ids=["soap11", "soap12-large", "mislabelled", "cut-before-root", "empty", "internal-subset"],
)
def test_envelopes_and_undecidable_answers_are_left_to_the_parser(content: str, media_type: str | None) -> None:
    assert not_an_envelope(content.encode(), media_type) is None


@pytest.mark.parametrize(
    ("content", "media_type", "expected"),
    [
        (
            '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><body>Proxy Error</body></html>',
            "text/html; charset=iso-8859-1",
            "an HTML page (text/html; a proxy's or the server's own page?)",
        ),
        (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/x.dtd"><html/>',
            None,
            "an HTML page (no Content-Type; a proxy's or the server's own page?)",
        ),
        ("<!doctype html><p>Wartung", "text/html", "an HTML page (text/html; a proxy's or the server's own page?)"),
        ('{"ok": true}', "application/json", "something that is not XML (Start tag expected, '<' not found"),
        ('<r:Antwort xmlns:r="urn:x"/>', "text/xml", "an XML document whose root element is {urn:x}Antwort"),
    ],
    ids=["html2-public-doctype", "xhtml-no-type", "html5", "json", "other-xml"],
)
def test_what_came_instead_is_named(content: str, media_type: str | None, expected: str) -> None:
    found = not_an_envelope(content.encode(), media_type)
    assert found is not None
    assert found.startswith(expected)
