"""The service's form as generic xdomea fields: one ``Feld`` per leaf value, named by its JSON pointer.

xdomea carries data of a Fachverfahren that its own elements do not model in an
``AnwendungsspezifischeErweiterung`` (Kennung, Name, then ``Feld`` entries of Name and Wert). Every
service's form is different, so instead of one spec per service the hub flattens the form: each
scalar leaf becomes a field whose ``Name`` is its JSON pointer into the posted envelope
(``/form/hund/rasse``) and whose ``Wert`` is its text (JSON numbers as written, booleans as
``true``/``false``). A DMS, or a person reading the file, can so map every value back to the
portal's form; empty objects, empty lists and nulls carry nothing and are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from hub.connectors.mapping import join_pointer


def form_fields(form: Any, base: str = "/form") -> list[dict[str, str]]:
    """``[{"name": pointer, "value": text}]`` for every scalar leaf of ``form``, in document order."""
    out: list[dict[str, str]] = []
    _walk(form, base, out)
    return out


def _walk(value: Any, at: str, out: list[dict[str, str]]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _walk(item, join_pointer(at, str(key)), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, join_pointer(at, str(index)), out)
    elif value is None:
        return
    elif isinstance(value, str):
        out.append({"name": at, "value": value})
    else:  # bool, int, float: their JSON text
        out.append({"name": at, "value": orjson.dumps(value).decode()})
