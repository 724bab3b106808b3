"""The fast path of the XML mapping engine: a bound spec compiled to Python source that writes XML text.

:func:`~hub.mapping.xml.build.build_xml` interprets the plan with lxml, creating (and dropping again)
an element for every branch the spec names — for an XBau Akteur both ``natuerlichePerson`` and
``organisation`` — and records provenance for error reports. That is the right tool when something is
wrong. For the usual case, a valid application, :func:`compile_plan` turns the plan into straight-line
Python (one function per element of the plan, each source pointer an inline lookup) that returns the
document as text, or raises :class:`Fallback` at the first irregularity: a missing required field,
a value that is not a scalar, a failing code list or transform, a list of the wrong length. The caller
then runs the interpreter, which reports every problem with its pointer. Both produce the same
document for the same envelope (a property test holds them to that).

Nothing here checks XSD types: the caller validates the parsed result with lxml, as it would anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.mapping import pointer
from hub.mapping.engine import ABSENT, condition_holds, rule_value
from hub.mapping.spec import FieldRule
from hub.mapping.xml.plan import BoundXmlSpec, Leaf, PlanNode, to_text

Render = Callable[[Any], str]
"""envelope → the document as XML text (no declaration); raises :class:`Fallback`."""


class Fallback(Exception):
    """The fast path cannot produce this document; the interpreter must run (and report the problems)."""


def escape_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def escape_attribute(text: str) -> str:
    text = escape_text(text)
    if '"' in text:
        text = text.replace('"', "&quot;")
    for raw, ref in (("\n", "&#10;"), ("\t", "&#9;")):
        if raw in text:
            text = text.replace(raw, ref)
    return text


def _leaf_value(rule: FieldRule, doc: Any) -> str | None:
    """The generic leaf: any rule ``rule_value`` understands; a reported problem means :class:`Fallback`."""
    problems: list[Any] = []
    value = rule_value(rule, doc, "", problems)
    if problems:
        raise Fallback
    if value is ABSENT or value is None:
        return None
    text = to_text(value)
    if text is None:
        raise Fallback
    return text


def _text_of(value: Any) -> str:
    text = to_text(value)
    if text is None:
        raise Fallback
    return text


def _items(doc: Any, each: str, optional: bool, low: int, high: int | None) -> list[Any]:
    items = pointer.resolve(doc, each, None)
    if items is None:
        if not optional:
            raise Fallback
        return []
    if not isinstance(items, list):
        raise Fallback
    if (len(items) < low and not (optional and not items)) or (high is not None and len(items) > high):
        raise Fallback
    return items


class _Writer:
    """Emits the source: one ``def`` per plan node, helpers and constants passed in as globals."""

    def __init__(self, bound: BoundXmlSpec) -> None:
        self.bound = bound
        self.lines: list[str] = []
        self.env: dict[str, Any] = {
            "Fallback": Fallback,
            "condition_holds": condition_holds,
            "_leaf_value": _leaf_value,
            "_text_of": _text_of,
            "_items": _items,
            "_et": escape_text,
            "_ea": escape_attribute,
        }
        self.counter = 0
        prefixes = {uri: prefix for prefix, uri in bound.nsmap.items() if uri}
        self.prefixes = prefixes

    def name(self, kind: str, value: Any = None) -> str:
        self.counter += 1
        identifier = f"_{kind}{self.counter}"
        if value is not None:
            self.env[identifier] = value
        return identifier

    def tag(self, clark: str) -> str:
        if not clark.startswith("{"):
            return clark
        uri, local = clark[1:].split("}", 1)
        prefix = self.prefixes.get(uri)
        if prefix is None:
            raise ValueError(f"namespace {uri} has no prefix in the spec")  # bind_xml_spec declares them all
        return f"{prefix}:{local}" if prefix else local

    # -- values ----------------------------------------------------------------------------------

    def leaf(self, leaf: Leaf, target: str, indent: str) -> list[str]:
        """Lines that set ``target`` to the leaf's text or None."""
        rule = leaf.rule
        out: list[str] = []
        if rule.has_const:
            text = to_text(rule.const)
            out.append(f"{target} = {text!r}" if text is not None else "raise Fallback")
        elif rule.function is not None and rule.transform is None:
            fn = self.name("fn", rule.function)
            out.append(f"{target} = {fn}(doc)")
            out.append(f"if {target} is not None and {target}.__class__ is not str: {target} = _text_of({target})")
        elif self._simple_source(rule):
            tokens = pointer.parse(rule.source[0])
            access = "doc" + "".join(f"[{t!r}]" for t in tokens)
            out.append(f"try: {target} = {access}")
            out.append(f"except (KeyError, TypeError, IndexError): {target} = None")
            if rule.optional:
                out.append(f"if {target} is not None and {target}.__class__ is not str: {target} = _text_of({target})")
            else:
                out.append(f"if {target} is None: raise Fallback")
                out.append(f"if {target}.__class__ is not str: {target} = _text_of({target})")
        else:
            generic = self.name("rule", rule)
            out.append(f"{target} = _leaf_value({generic}, doc)")
        if rule.when is not None:
            # Evaluated only when the condition holds, as the interpreter does.
            out = [*self.truthy(rule.when, "c"), "if c:", *("    " + line for line in out), f"else: {target} = None"]
        return [indent + line for line in out]

    def truthy(self, where: str, target: str) -> list[str]:
        """Lines setting ``target`` to the value at ``where`` (falsy when absent), like ``condition_holds``."""
        tokens = pointer.parse(where)
        if any(t.isdigit() for t in tokens):
            return [f"{target} = condition_holds(doc, {where!r})"]
        access = "doc" + "".join(f"[{t!r}]" for t in tokens)
        return [f"try: {target} = {access}", f"except (KeyError, TypeError, IndexError): {target} = None"]

    @staticmethod
    def _simple_source(rule: FieldRule) -> bool:
        return (
            len(rule.source) == 1
            and rule.join is None
            and rule.codes is None
            and rule.transform is None
            and rule.default is None
            and not any(t.isdigit() for t in pointer.parse(rule.source[0]))
        )

    def last_of(self, leaves: list[Leaf], target: str, indent: str) -> None:
        """``target`` = the text of the last leaf producing one (alternatives under ``when``)."""
        self.lines.append(f"{indent}{target} = None")
        for leaf in leaves:
            value = self.name("v")
            self.lines.extend(self.leaf(leaf, value, indent))
            self.lines.append(f"{indent}if {value} is not None: {target} = {value}")

    # -- elements --------------------------------------------------------------------------------

    def node(self, node: PlanNode, *, root: bool = False) -> str:
        """Emit ``def`` for ``node`` (children first); its name. It returns the element's text or ''."""
        children = [(child, self.node(child)) for child in node.ordered]
        function = self.name("n")
        tag = self.tag(node.qname)
        out = self.lines
        out.append(f"def {function}(doc):")
        out.append("    a = ''")
        for qname, leaves in node.attributes.items():
            self.last_of(leaves, "t", "    ")
            out.append(f"    if t is not None: a += ' {self.tag(qname)}=\"' + _ea(t) + '\"'")
        if node.text:
            self.last_of(node.text, "x", "    ")
            out.append("    b = '' if x is None else _et(x)")
        else:
            out.append("    x = None")
            out.append("    b = ''")
        for child, child_function in children:
            if child.repeat is None:
                out.append(f"    b += {child_function}(doc)")
            else:
                self.repeat(child, child_function)
        fixed = "".join(f' {self.tag(q)}="{escape_attribute(v)}"' for q, v in node.fixed.items())
        if root:
            declarations = "".join(
                f' xmlns:{p}="{escape_attribute(u)}"' if p else f' xmlns="{escape_attribute(u)}"'
                for p, u in self.bound.nsmap.items()
            )
            out.append(f"    return '<{tag}{declarations}' + a + {fixed!r} + '>' + b + '</{tag}>'")
        else:
            out.append("    if not a and x is None and not b: return ''")
            out.append(f"    return '<{tag}' + a + {fixed!r} + '>' + b + '</{tag}>'")
        out.append("")
        return function

    def repeat(self, node: PlanNode, function: str) -> None:
        rule = node.repeat
        assert rule is not None
        assert rule.each is not None
        element = node.element
        args = f"{rule.each!r}, {rule.optional!r}, {element.min_occurs!r}, {element.max_occurs!r}"
        indent = "    "
        if rule.when is not None:
            self.lines.extend("    " + line for line in self.truthy(rule.when, "c"))
            self.lines.append("    if c:")
            indent = "        "
        self.lines.append(f"{indent}for item in _items(doc, {args}):")
        self.lines.append(f"{indent}    b += {function}(item)")


def compile_plan(bound: BoundXmlSpec) -> Render:
    """The fast renderer of ``bound`` (see the module docstring)."""
    writer = _Writer(bound)
    entry = writer.node(bound.plan, root=True)
    source = "\n".join(writer.lines)
    namespace: dict[str, Any] = dict(writer.env)
    code = compile(source, f"<xml mapping {bound.spec.path.name}>", "exec")
    exec(code, namespace)  # noqa: S102  (source generated above from a checked plan, no user text in code)
    render: Render = namespace[entry]
    return render


__all__ = ["Fallback", "Render", "compile_plan", "escape_attribute", "escape_text"]
