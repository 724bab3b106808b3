"""Municipal back-office systems (Fachverfahren), one connector package per way they take an application.

:mod:`.rest` (``fachverfahren-rest``: JSON POSTed to the vendor's API), :mod:`.soap`
(``fachverfahren-soap``: any vendor's document/literal operation, by its WSDL), :mod:`.xdomea`
(``fachverfahren-xdomea``: xdomea 3.1.0 to a DMS over HTTP or XTA 2) and :mod:`.filedrop`
(``fachverfahren-filedrop``: files in a folder the back office watches, over SFTP or locally).
REST and file drop send the same JSON document (:mod:`.application`).
"""
