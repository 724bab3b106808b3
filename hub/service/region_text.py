"""``region.yaml`` as text: where its entries are (for ``file:line`` messages) and appending to its lists.

The hub reads the file with PyYAML, which drops comments; the region's comments carry the reasons
for its judgement calls, so tools that write the file edit its text instead, and tools that report
on it find lines through PyYAML's node tree (``yaml.compose``), which keeps every node's position.
JSON files (forms, samples) are YAML too, so the same lookup finds a JSON pointer's line in them.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from hub.errors import ConfigError


def compose(text: str) -> yaml.Node | None:
    """The node tree of ``text``, or None when it is not YAML (or JSON) at all."""
    try:
        return yaml.compose(text)
    except yaml.YAMLError:
        return None


def child(node: yaml.Node | None, key: str | int) -> yaml.Node | None:
    """The value node under ``key`` (a mapping's key or a sequence's index), None when there is none."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                return v if isinstance(v, yaml.Node) else None
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        item = node.value[key]
        return item if isinstance(item, yaml.Node) else None
    return None


def line_of(node: yaml.Node | None, default: int = 1) -> int:
    return node.start_mark.line + 1 if node is not None else default


def pointer_line(root: yaml.Node | None, pointer: str) -> int:
    """The line of the JSON pointer's value in a composed file, else of its deepest existing parent."""
    node, found = root, root
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        node = child(node, int(token) if token.isdigit() and isinstance(node, yaml.SequenceNode) else token)
        if node is None:
            break
        found = node
    return line_of(found)


def file_pointer_line(path: Path, pointer: str) -> int:
    try:
        return pointer_line(compose(path.read_text(encoding="utf-8")), pointer)
    except OSError:
        return 1


def item_lines(root: yaml.Node | None, key: str, field: str) -> dict[str, list[int]]:
    """For the top-level list ``key``: each item's ``field`` value -> the lines of the items that have it."""
    found: dict[str, list[int]] = {}
    sequence = child(root, key)
    if not isinstance(sequence, yaml.SequenceNode):
        return found
    for item in sequence.value:
        value = child(item, field)
        if isinstance(value, yaml.ScalarNode):
            found.setdefault(value.value, []).append(line_of(item))
    return found


def _last_line(node: yaml.Node) -> int:
    """The last line (0-based) holding text of ``node``: a block collection's own end mark lies at the
    next token, past any comment that follows, so its scalars and flow collections are asked instead."""
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        end = node.end_mark
        return end.line if end.column > 0 else end.line - 1
    lines = [node.start_mark.line]
    for part in node.value:
        for sub in part if isinstance(part, tuple) else (part,):
            lines.append(_last_line(sub))
    return max(lines)


def append_to_list(text: str, key: str, lines: list[str]) -> str:
    """``text`` with ``lines`` (one list item, written at column 0) appended to the top-level block list ``key``.

    The item goes right after the list's last item, at its indentation; what follows (comments, the
    next key) is untouched. Without the key, the list is added at the end of the file.
    """
    root = compose(text)
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"region.yaml is not a YAML mapping; cannot add to {key!r}")
    sequence = child(root, key)
    rows = text.splitlines(keepends=True)
    if sequence is None:
        tail = "" if text.endswith("\n") or not text else "\n"
        return text + tail + f"\n{key}:\n" + "".join(f"  {line}\n" for line in lines)
    if not isinstance(sequence, yaml.SequenceNode) or sequence.flow_style or not sequence.value:
        raise ConfigError(f"region.yaml: {key} is not a block list of entries; add the entry by hand")
    indent = " " * sequence.start_mark.column
    after = max(_last_line(item) for item in sequence.value) + 1
    if after > 0 and not rows[after - 1].endswith("\n"):
        rows[after - 1] += "\n"
    return "".join(rows[:after] + [f"{indent}{line}\n" for line in lines] + rows[after:])
