"""ISO Schematron to XSLT 3.0: the rules of a ``.sch`` file as one stylesheet an XSLT 3 processor runs.

The official XÖV rule sets (XBau 2.6 among them) declare ``queryBinding="xslt2"``: their tests are
XPath 2 (``if … then … else``, ``matches``, ``exists``, sequences), so they need an XPath 2 engine.
The ISO skeleton stylesheets that usually compile Schematron are not published on the package
registries this project may use, so this module compiles the subset of ISO Schematron (ISO/IEC
19757-3) the XÖV sets use, with its semantics:

* ``sch:ns`` → namespace declarations of the stylesheet; ``sch:let`` (schema, pattern or rule) →
  ``xsl:variable`` / ``xsl:param``;
* each ``sch:pattern`` → one mode, visited over the whole document; within a pattern a node is
  handled by the *first* rule whose ``context`` matches it (later rules get lower priorities);
* ``sch:rule abstract="true"`` + ``sch:extends rule="…"`` → the abstract rule's ``let``, ``assert``
  and ``report`` copied into the concrete rule (recursively; cycles refused);
* ``sch:assert`` fires when its test is false, ``sch:report`` when true; their text may hold
  ``sch:value-of`` and ``sch:name``.

Anything else (``include``, abstract patterns, phases, diagnostics, properties) is refused with a
:class:`SchematronError` naming the element instead of being ignored: a rule the hub silently
skipped would let an invalid message through.

The stylesheet writes plain text: one record per failure, fields ``id``, ``role``, location and
message, separated by U+E000, records by U+E001 (private-use characters: control characters are not
XML). The location is the node's path as 1-based element positions from the root (``1/3/2``; an
attribute ends in ``@name``), which the caller resolves in its own tree, because node identities do
not cross from the XSLT processor back to lxml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from hub.errors import ConfigError
from hub.xml.schema_files import parse_schema_file

SCH_NS = "http://purl.oclc.org/dsdl/schematron"
XSL_NS = "http://www.w3.org/1999/XSL/Transform"
SUPPORTED_BINDINGS = frozenset({"xslt2", "xslt3", "xpath2", "xpath3", "xpath31"})
FIELD = "\ue000"
RECORD = "\ue001"

_LOCATION = (
    "string-join(for $n in ancestor-or-self::node()[parent::node()] return "
    "(if ($n instance of attribute()) then concat('@', name($n)) "
    "else string(count($n/preceding-sibling::*) + 1)), '/')"
)


class SchematronError(ConfigError):
    """A Schematron file that cannot be compiled: unsupported construct, unknown rule, bad binding."""


def _q(local: str) -> str:
    return f"{{{SCH_NS}}}{local}"


@dataclass
class _Rule:
    context: str
    children: list[etree._Element] = field(default_factory=list)
    rule_id: str | None = None


class _Compiler:
    """Compiles one or more rule files into one stylesheet (one document pass per validation)."""

    def __init__(self) -> None:
        self.source = "?"
        self.abstract: dict[str, etree._Element] = {}
        self.namespaces: dict[str, str] = {}
        self.top: list[str] = []
        self.modes: list[str] = []

    def fail(self, element: etree._Element, what: str) -> SchematronError:
        return SchematronError(f"{self.source}:{element.sourceline}: {what}")

    def add(self, root: etree._Element, source: str) -> None:
        """The patterns of one rule file; its abstract rules are visible within it only."""
        self.source, self.abstract = source, {}
        if root.tag != _q("schema"):
            raise self.fail(root, "not an ISO Schematron schema (root must be sch:schema)")
        binding = (root.get("queryBinding") or "xslt").lower()
        if binding not in SUPPORTED_BINDINGS:
            raise self.fail(root, f"queryBinding {binding!r} is not supported (XPath 2 or later is)")
        patterns: list[etree._Element] = []
        for child in root.iterchildren("*"):
            local = etree.QName(child).localname if etree.QName(child).namespace == SCH_NS else None
            if local == "ns":
                prefix, uri = child.get("prefix", ""), child.get("uri", "")
                if self.namespaces.setdefault(prefix, uri) != uri:
                    raise self.fail(child, f"prefix {prefix!r} is bound to another namespace in an earlier file")
            elif local == "let":
                self.top.append(self._let(child, "xsl:param"))
            elif local == "pattern":
                patterns.append(child)
            elif local in ("title", "p"):
                continue
            else:
                raise self.fail(child, f"unsupported Schematron element <{child.tag}>")
        for pattern in patterns:  # abstract rules are visible across the file's patterns
            for rule in pattern.iterchildren(_q("rule")):
                if rule.get("abstract") == "true":
                    rule_id = rule.get("id")
                    if not rule_id:
                        raise self.fail(rule, "an abstract rule needs an id")
                    self.abstract[rule_id] = rule
        for pattern in patterns:
            self.modes.append(self._pattern(len(self.modes), pattern))

    def stylesheet(self) -> str:
        declarations = "".join(f" xmlns:{p}={quoteattr(uri)}" for p, uri in self.namespaces.items() if p)
        visits = "".join(f'<xsl:apply-templates select="/" mode="p{i}"/>' for i in range(len(self.modes)))
        return (
            f'<xsl:stylesheet version="3.0" xmlns:xsl="{XSL_NS}" '
            f'xmlns:xs="http://www.w3.org/2001/XMLSchema"{declarations} exclude-result-prefixes="#all">'
            '<xsl:output method="text" encoding="UTF-8"/>'
            f"{''.join(self.top)}"
            f'<xsl:template match="/">{visits}</xsl:template>'
            f"{''.join(self.modes)}</xsl:stylesheet>"
        )

    def _pattern(self, index: int, pattern: etree._Element) -> str:
        if pattern.get("abstract") == "true" or pattern.get("is-a"):
            raise self.fail(pattern, "abstract patterns are not supported")
        mode = f"p{index}"
        lets: list[str] = []
        rules: list[_Rule] = []
        for child in pattern.iterchildren("*"):
            local = etree.QName(child).localname
            if child.tag == _q("let"):
                lets.append(self._let(child, "xsl:variable"))
            elif child.tag == _q("rule"):
                if child.get("abstract") == "true":
                    continue
                context = child.get("context")
                if not context:
                    raise self.fail(child, "a concrete rule needs a context")
                rules.append(_Rule(context, self._expand(child, ()), child.get("id")))
            elif child.tag in (_q("title"), _q("p")):
                continue
            else:
                raise self.fail(child, f"unsupported element <{local}> in a pattern")
        templates = [
            f'<xsl:mode name="{mode}" on-no-match="shallow-skip"/>',
        ]
        for position, rule in enumerate(rules):
            body = "".join(self._statement(item, rule) for item in rule.children)
            templates.append(
                f"<xsl:template match={quoteattr(rule.context)} mode={quoteattr(mode)} "
                f'priority="{len(rules) - position + 1000}">{"".join(lets)}{body}'
                f'<xsl:apply-templates select="@*|node()" mode="{mode}"/></xsl:template>'
            )
        return "".join(templates)

    def _expand(self, rule: etree._Element, seen: tuple[str, ...]) -> list[etree._Element]:
        """The rule's lets, asserts and reports, with those of the rules it extends put in place."""
        out: list[etree._Element] = []
        for child in rule.iterchildren("*"):
            if child.tag == _q("extends"):
                target = child.get("rule")
                if target is None:
                    raise self.fail(child, "only sch:extends with @rule is supported")
                if target in seen:
                    raise self.fail(child, f"rule {target!r} extends itself")
                if target not in self.abstract:
                    raise self.fail(child, f"extends unknown abstract rule {target!r}")
                out.extend(self._expand(self.abstract[target], (*seen, target)))
            elif child.tag in (_q("assert"), _q("report"), _q("let")):
                out.append(child)
            elif child.tag == _q("p"):
                continue
            else:
                raise self.fail(child, f"unsupported element <{etree.QName(child).localname}> in a rule")
        return out

    def _let(self, let: etree._Element, kind: str) -> str:
        name, value = let.get("name"), let.get("value")
        if not name or value is None:
            raise self.fail(let, "sch:let needs a name and a value attribute")
        return f"<{kind} name={quoteattr(name)} select={quoteattr(value)}/>"

    def _statement(self, item: etree._Element, rule: _Rule) -> str:
        if item.tag == _q("let"):
            return self._let(item, "xsl:variable")
        test = item.get("test")
        if not test:
            raise self.fail(item, "an assert or report needs a test")
        condition = f"not({test})" if item.tag == _q("assert") else test
        identifier = item.get("id") or rule.rule_id or ""
        role = item.get("role") or item.get("flag") or ""
        fields = [
            f"<xsl:text>{escape(identifier)}{FIELD}{escape(role)}{FIELD}</xsl:text>",
            f'<xsl:value-of select="{_LOCATION}"/>',
            f"<xsl:text>{FIELD}</xsl:text>",
            self._message(item),
            f"<xsl:text>{RECORD}</xsl:text>",
        ]
        return f"<xsl:if test={quoteattr(condition)}>{''.join(fields)}</xsl:if>"

    def _message(self, item: etree._Element) -> str:
        parts = [f"<xsl:text>{escape(item.text or '')}</xsl:text>"]
        for child in item:
            if child.tag == _q("value-of"):
                parts.append(f"<xsl:value-of select={quoteattr(child.get('select', '.'))}/>")
            elif child.tag == _q("name"):
                parts.append(f"<xsl:value-of select={quoteattr('name(' + child.get('path', '.') + ')')}/>")
            elif child.tag in (_q("emph"), _q("dir"), _q("span")):
                parts.append(f"<xsl:text>{escape(child.text or '')}</xsl:text>")
            elif not isinstance(child.tag, str):
                pass  # comments and processing instructions carry no message text
            else:
                raise self.fail(child, f"unsupported element <{etree.QName(child).localname}> in a message")
            parts.append(f"<xsl:text>{escape(child.tail or '')}</xsl:text>")
        return "".join(parts)


def compile_schematron(*paths: Path) -> str:
    """The XSLT 3.0 stylesheet (text) that reports the failures of the rules in ``paths``, in one pass."""
    compiler = _Compiler()
    for path in paths:
        try:
            tree = parse_schema_file(path)
        except (OSError, etree.XMLSyntaxError) as exc:
            raise SchematronError(f"{path}: cannot be read: {exc}") from exc
        compiler.add(tree.getroot(), str(path))
    return compiler.stylesheet()
