"""XÖV machinery shared by the connectors of XÖV-speaking targets.

``connectors.xoev.xta`` is the XTA 2 transport: the SOAP client of an XTA server (the
municipality's "Transport Adapter"), built with zeep on the official WSDL.
"""
