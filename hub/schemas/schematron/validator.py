"""Running compiled Schematron with Saxon (saxonche, SaxonC-HE): XPath 2+ rules against lxml documents.

One Saxon processor serves the whole process (SaxonC allows one per process); stylesheets are
compiled once per rule file. The document crosses over as serialized XML, and the failures come back
as text records (see :mod:`hub.schemas.schematron.compiler`) whose locations are resolved in the
caller's lxml tree, so a failure names the same node path as an XSD error would.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lxml import etree

from hub.schemas.model import SchemaProblem
from hub.schemas.schematron.compiler import FIELD, RECORD, SchematronError, compile_schematron

_processor: Any = None
_processor_lock = threading.Lock()


def _saxon() -> Any:
    global _processor
    with _processor_lock:
        if _processor is None:
            from saxonche import PySaxonProcessor  # a 60 MB native library: loaded on first use only

            _processor = PySaxonProcessor(license=False)
        return _processor


class SchematronValidator:
    """The rules of one or more ``.sch`` files; ``validate(element)`` lists every failed assert or report.

    ``SchemaProblem.path`` is the failing node's lxml path (``tree.getpath``), ``rule`` the assert's id.
    """

    def __init__(self, files: Sequence[Path], set_id: str = "?") -> None:
        self.set_id = set_id
        self.warnings: tuple[str, ...] = ()
        self.files = tuple(files)
        # All files in one stylesheet: handing a document to Saxon costs more than running the rules.
        stylesheet = compile_schematron(*files)
        processor = _saxon()
        with _processor_lock:
            xslt = processor.new_xslt30_processor()
            try:
                executable = xslt.compile_stylesheet(stylesheet_text=stylesheet)
            except Exception as exc:  # saxonche raises PySaxonApiError (no common base to import)
                names = ", ".join(str(f) for f in files)
                raise SchematronError(f"{names}: Saxon cannot compile the rules: {exc}") from exc
        if executable is None:
            raise SchematronError(f"{', '.join(str(f) for f in files)}: Saxon cannot compile the rules")
        self._executable = executable
        # SaxonC's executables are not documented as safe for concurrent transforms; a lock keeps the
        # native side single-threaded (a transform of one message takes well under a millisecond).
        self._lock = threading.Lock()

    def validate(self, document: Any) -> list[SchemaProblem]:
        """Failures of ``document`` (an lxml element: the message root) against every rule file."""
        root = document.getroot() if hasattr(document, "getroot") else document
        text = etree.tostring(root, encoding="unicode")
        processor = _saxon()
        with self._lock:
            node = processor.parse_xml(xml_text=text)
            output = self._executable.transform_to_string(xdm_node=node) or ""
        return _problems(output, root)


def _problems(output: str, root: Any) -> list[SchemaProblem]:
    tree = root.getroottree()
    problems = []
    for record in output.split(RECORD):
        if not record.strip():
            continue
        rule, _role, location, message = record.split(FIELD, 3)
        node = _resolve(root, location)
        path = tree.getpath(node) if node is not None else None
        if node is not None and "@" in location:
            path = f"{path}/{location.rsplit('/', 1)[-1]}"
        line = node.sourceline if node is not None else None
        problems.append(SchemaProblem(line=line, path=path, message=" ".join(message.split()), rule=rule or None))
    return problems


def _resolve(root: Any, location: str) -> Any | None:
    """The element at ``1/3/2`` (1-based element positions from the root); an ``@attr`` step is skipped."""
    steps = [s for s in location.split("/") if s and not s.startswith("@")]
    if not steps or steps[0] != "1":
        return None
    node = root
    for step in steps[1:]:
        elements = [child for child in node if isinstance(child.tag, str)]
        index = int(step) - 1
        if not 0 <= index < len(elements):
            return None
        node = elements[index]
    return node
