"""The ``settings`` of an ``xoev-xta`` destination, read from the region config into typed values.

Every problem is a :class:`~hub.errors.ConfigError` naming the destination and the setting, so an
operator sees at once what to fix. Format (keys in camelCase like the rest of ``region.yaml``)::

    wsdl: path/to/XTA.wsdl                     # optional: default XTA.wsdl of the catalog's xta2-2.1.1 set
    baseUrl: https://xta.example/xta            # ports at {baseUrl}/ManagementPort, /SendXtaPort, /MsgBoxPort
    endpoints: {management: URL, send: URL, msgBox: URL}    # or each port's address (wins over baseUrl)
    account: {identifier: "dvdv:05562014-bauamt", type: xoev, name: "Stadt Gladbeck"}   # us: the author
    reader: {prefix: bau, code: "{ags}", name: ...}     # the receiving authority; or {identifier: ...}
    author: {prefix: ..., code: ..., name: ...}  # XÖV author (nachrichtenkopf/autor); default: the account
    service: "http://www.xleitstelle.de/xbau/2/6"       # XTA service (Dienste-URI)
    businessScenario: {code: XBAU_DATA, listUri: "urn:...", listVersion: "1"} # or free text (Undefined)
    messageType: {code: "0200", listUri: "urn:...", listVersion: "2.6", name: ...}
    payloadSchema: "http://www.xleitstelle.de/xbau/2/6"   # optional: default the message's root namespace
    subject: "Bauantrag {messageId}"    # optional; {messageId} {submissionId} {service} {municipality}
    testMessage: false                  # optional: OSCI TestMsg
    builder: "module.path:function"     # optional escape hatch: fn(submission, message_id, destination) -> bytes;
                                        # without it the message is the destination standard's XML mapping
                                        # spec applied to the envelope plus the XÖV frame (connectors.xoev.frame)
    timeoutSeconds: 10                  # per network operation of a SOAP call; one send makes five calls
    attemptDeadlineSeconds: 30          # hub setting: the whole send, its five calls and answers together
    maxAnswerBytes: 1048576             # hub setting: the largest answer read for any of those calls
    leaseSeconds: 70                    # hub setting: set >= 5 * timeoutSeconds + 10 (default 2 * t + 10)
    tls: {certFile: client.pem, keyFile: client.key, caFile: ca.pem}   # optional, relative to the config dir

A relative ``wsdl`` path is resolved against the process's working directory; without ``wsdl`` the
WSDL comes from the schema catalog (``HUB_SCHEMA_PATH``), where the XÖV schema sets are installed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.xoev.frame import Authority
from connectors.xoev.xta import KeyCode, Party, TlsFiles, XtaEndpoints, XtaSettings
from hub.connectors.base import Destination
from hub.connectors.schemas import SchemaCatalog, SchemaNotInstalled
from hub.connectors.settings import SettingsReader

XTA_SCHEMA_SET = "xta2-2.1.1"

DEFAULT_SUBJECT = "Hub-Nachricht {messageId}"
SUBJECT_FIELDS = frozenset({"messageId", "submissionId", "service", "municipality"})


@dataclass(frozen=True, slots=True)
class XtaDestination:
    """What an XTA destination's settings say, checked: the client settings and the metadata parts."""

    client: XtaSettings
    reader: Party
    service: str
    business_scenario: KeyCode | str
    message_type: KeyCode
    payload_schema: str | None
    subject: str
    test: bool
    builder: str | None
    xoev_author: Authority | None
    xoev_reader: Authority | None

    @classmethod
    def read(cls, destination: Destination, catalog: SchemaCatalog | None = None) -> XtaDestination:
        return _Reader(destination, catalog).read()


class _Reader(SettingsReader):
    def __init__(self, destination: Destination, catalog: SchemaCatalog | None) -> None:
        super().__init__(destination, "xoev-xta")
        self.catalog = catalog

    def read(self) -> XtaDestination:
        subject = self.optional_text("subject") or DEFAULT_SUBJECT
        self.check_subject(subject)
        builder = self.optional_text("builder") or None
        test = self.flag("testMessage")
        return XtaDestination(
            client=XtaSettings(
                wsdl_path=self.wsdl(),
                endpoints=self.endpoints(),
                account=self.party("account"),
                timeout=self.destination.timeout_seconds,
                tls=self.tls(),
            ),
            reader=self.party("reader"),
            service=self.text("service"),
            business_scenario=self.scenario(),
            message_type=self.key_code("messageType", self.mapping("messageType")),
            payload_schema=self.optional_text("payloadSchema") or None,
            subject=subject,
            test=test,
            builder=builder,
            # A builder hook writes its own XÖV header; the spec-made message needs both authorities.
            xoev_author=None if builder else self.authority("author", "account"),
            xoev_reader=None if builder else self.authority("reader", "reader"),
        )

    def authority(self, name: str, fallback: str) -> Authority | None:
        """The XÖV header's authority: ``name`` if set, else the XTA party ``fallback`` when it is one."""
        raw = self.settings.get(name)
        if raw is None or (isinstance(raw, Mapping) and raw.get("prefix") is None):
            raw = self.settings.get(fallback)
            if not isinstance(raw, Mapping) or raw.get("prefix") is None:
                return None
            name = fallback
        try:
            return Authority.read(raw)
        except ValueError as exc:
            raise self.fail(f"setting {name!r} {exc}") from None

    def wsdl(self) -> Path:
        if self.settings.get("wsdl") is None and self.catalog is not None:
            try:
                return self.catalog.get(XTA_SCHEMA_SET).path("XTA.wsdl").resolve()
            except SchemaNotInstalled as exc:
                raise self.fail(f"no 'wsdl' setting and {exc}") from exc
        path = Path(self.text("wsdl")).expanduser()
        if not path.is_file():
            raise self.fail(f"the WSDL {str(path)!r} (resolved {str(path.resolve())!r}) is not a file")
        return path.resolve()

    def endpoints(self) -> XtaEndpoints:
        given = self.settings.get("endpoints")
        if given is not None:
            if not isinstance(given, Mapping):
                raise self.fail("setting 'endpoints' must be a mapping {management, send, msgBox}")
            return XtaEndpoints(
                management=self.text("endpoints.management", given.get("management")),
                send=self.text("endpoints.send", given.get("send")),
                msgbox=self.text("endpoints.msgBox", given.get("msgBox")),
            )
        if self.settings.get("baseUrl") is None:
            raise self.fail("needs 'endpoints' {management, send, msgBox} or 'baseUrl'")
        return XtaEndpoints.under(self.text("baseUrl"))

    def party(self, name: str) -> Party:
        raw = self.mapping(name)
        if raw.get("identifier") is not None:
            identifier = self.text(f"{name}.identifier", raw["identifier"])
        elif raw.get("prefix") is not None and raw.get("code") is not None:
            identifier = f"{self.text(f'{name}.prefix', raw['prefix'])}:{self.text(f'{name}.code', str(raw['code']))}"
        else:
            raise self.fail(f"setting {name!r} needs 'identifier' or 'prefix' and 'code' (a Behördenkennung)")
        return Party(
            identifier=identifier,
            type=self.text(f"{name}.type", raw.get("type", "xoev")),
            name=self.optional_text(f"{name}.name", raw.get("name")),
            category=self.optional_text(f"{name}.category", raw.get("category")),
        )

    def scenario(self) -> KeyCode | str:
        raw = self.settings.get("businessScenario")
        if isinstance(raw, str):
            return self.text("businessScenario", raw)
        if isinstance(raw, Mapping):
            return self.key_code("businessScenario", raw)
        raise self.fail("setting 'businessScenario' must be a code {code, listUri, listVersion} or free text")

    def key_code(self, name: str, raw: Mapping[str, Any]) -> KeyCode:
        return KeyCode(
            code=self.text(f"{name}.code", _str(raw.get("code"))),
            list_uri=self.text(f"{name}.listUri", raw.get("listUri")),
            list_version=self.text(f"{name}.listVersion", _str(raw.get("listVersion"))),
            name=self.optional_text(f"{name}.name", raw.get("name")),
        )

    def tls(self) -> TlsFiles | None:
        raw = self.settings.get("tls")
        if not raw:
            return None
        if not isinstance(raw, Mapping):
            raise self.fail("setting 'tls' must be a mapping {certFile, keyFile, caFile}")
        files = {key: Path(str(raw[key])) if raw.get(key) else None for key in ("certFile", "keyFile", "caFile")}
        return TlsFiles(cert=files["certFile"], key=files["keyFile"], ca=files["caFile"])

    def check_subject(self, subject: str) -> None:
        try:
            subject.format_map(dict.fromkeys(SUBJECT_FIELDS, ""))
        except (KeyError, ValueError, IndexError) as exc:
            known = ", ".join(sorted(SUBJECT_FIELDS))
            raise self.fail(f"setting 'subject' {subject!r} is not a valid template ({known}): {exc}") from None


def _str(value: Any) -> Any:
    """YAML reads ``0200`` or ``1.0`` as numbers when unquoted; codes and versions are text."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
