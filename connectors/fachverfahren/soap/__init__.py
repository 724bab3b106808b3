"""Back-office SOAP connector (``fachverfahren-soap``): any vendor's document/literal operation, by its WSDL.

At intake, ``build`` maps the submission with the JSON mapping engine to the operation's
parameters (a JSON-target spec whose targets are the request element's children:
``/Antragsteller/Name``, ``/Hunde/Hund`` with ``each``), puts the hub's message id where
``messageIdParameter`` says, has zeep serialize the SOAP envelope and validates the request
against the WSDL's schema with lxml. Whatever does not fit the WSDL is refused there (422, each
problem at the submission's JSON pointer); the stored message is the serialized envelope, so
every attempt sends the same bytes. ``send`` POSTs it with the binding's SOAP 1.1 or 1.2 headers,
reads the answer with the hub's safe parser and classifies it (see
:mod:`connectors.fachverfahren.soap.response`).

Destination settings::

    wsdlFile: wsdl/hundesteuer-fachverfahren.wsdl   # the vendor's WSDL, relative to the config folder;
                                                    # its XSDs beside it: loaded offline, never fetched
    service: HundesteuerFachverfahren       # optional: the WSDL's service (default: the first)
    port: HundesteuerSoap12                 # optional: its port, which picks the binding (SOAP 1.1/1.2)
    operation: VorgangAnlegen               # the operation to call (document/literal)
    address: https://fv.example/soap        # optional: the endpoint, instead of the port's soap:address
    messageIdParameter: /NachrichtId        # optional: JSON pointer into the parameters for the message id
    receiptPath: "string(tns:VorgangAnlegenAntwort/tns:Vorgangsnummer)"   # optional: XPath on the answer's
                                            # Body giving the receipt's reference
    namespaces: {hs: "urn:..."}             # optional: prefixes for receiptPath (tns: the WSDL's namespace)
    permanentFaults: [Fachfehler]           # optional: detail elements that make a Server fault permanent
    transientFaults: [Wartung]              # optional: detail elements that make a Client fault transient
    timeoutSeconds: 10                      # per network operation (connect, each read and write)
    attemptDeadlineSeconds: 30              # the whole send: request and the answer in full
    maxAnswerBytes: 1048576                 # the largest answer read (a larger one: transient error)
    auth: {kind: basic, userEnv: VAR, passwordEnv: VAR} | {kind: bearer, tokenEnv: VAR} | none
    tls: {certFile: client.pem, keyFile: client.key, caFile: ca.pem}     # optional client certificate

The mapping spec is the one for (service, the destination's ``standard``), by default
``fachverfahren-soap-json`` (a ``*-json`` standard, so the catalog loads it as a JSON-target spec).
Attachments are not sent: a vendor operation that takes files declares them in its own types, and
its spec maps them like any other parameter. Credentials are read from the environment at send
time. The message id also travels in the ``X-Hub-Message-Id`` header.

Modules, one role each: :mod:`.connector` (build and send), :mod:`.settings` (the settings above,
checked), :mod:`.message` (the request built at intake), :mod:`.interface` (the WSDL: operation,
zeep clients, the lxml validator), :mod:`.request` (the request's checks against the WSDL) and
:mod:`.response` (reading the answer). The SOAP vendor simulator is :mod:`hub.sim.soap_vendor`.
"""

from connectors.fachverfahren.soap.connector import SoapConnector

__all__ = ["SoapConnector"]
