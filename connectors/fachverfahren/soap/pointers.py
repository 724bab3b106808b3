"""From a place in the mapped parameters back to the submission's field it came from.

A problem found in the SOAP request (``Hunde/Hund/1/Name`` is too long) is reported at the JSON
pointer the portal posted (``/form/dogs/1/name``); the SOAP parameters are a JSON-target mapping's
output, so :mod:`hub.mapping.provenance` does the work.
"""

from __future__ import annotations

from hub.mapping.provenance import source_pointer

__all__ = ["source_pointer"]
