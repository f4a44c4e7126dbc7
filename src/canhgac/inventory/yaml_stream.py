"""An inventory's YAML read as a stream: the agencies are composed one at a time, handed over
and dropped, so a national inventory never exists in memory as one tree of nodes.

Composing a whole file kept a node (with two position marks) for every scalar: 3.4 GB for
191,000 agencies. Here libyaml parses (through ``CSafeLoader`` when this PyYAML has it, the
pure-Python parser otherwise) and PyYAML's own composer builds one agency's nodes at a time,
so positions, anchors, merge keys and errors are those of a whole-file load. The bytes are
checked as UTF-8 on the way and counted for progress. Every node is also inspected once: a
clock such as ``19:00`` (which YAML 1.1 reads as the number 1140) is kept as text, and a key
that appears twice in a mapping is reported (PyYAML would silently keep the last one).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from typing import BinaryIO

from yaml.composer import ComposerError
from yaml.error import Mark
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from canhgac.i18n import gettext as _
from canhgac.inventory.problems import InventoryError, Problem, at
from canhgac.yamlio import SafeLoader

CHUNK = 1 << 16  # bytes read at a time
_STR_TAG = "tag:yaml.org,2002:str"
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


class Utf8Source:
    """A file's bytes for the parser, checked as UTF-8 (a byte-order mark allowed) as they are
    read: a bad byte is an :class:`InventoryError` naming its line. ``consumed`` counts the
    bytes read so far (the parser reads ahead by at most one chunk)."""

    def __init__(self, raw: BinaryIO, name: str) -> None:
        self._raw = raw
        self._name = name
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._lines = 0
        self.consumed = 0

    def read(self, size: int = CHUNK) -> bytes:
        chunk = self._raw.read(max(size, CHUNK))
        pending = len(self._decoder.getstate()[0])  # the end of a character cut by the last chunk
        try:
            self._decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            line = self._lines + chunk[: max(0, exc.start - pending)].count(b"\n") + 1
            msg = _("the file is not UTF-8 text; save it with the UTF-8 encoding")
            raise InventoryError([Problem(self._name, line, None, "", msg)]) from None
        self._lines += chunk.count(b"\n")
        self.consumed += len(chunk)
        return chunk


class _Loader(SafeLoader):  # type: ignore[misc,valid-type]
    """The safe loader (libyaml's parser when available) composing the document node by node.

    :meth:`node` builds exactly the nodes PyYAML's ``Composer.compose_node`` builds (tags
    resolved alike, anchors and aliases, the same errors), with one event fetch per node
    instead of five calls: the composer is most of the reading time. Each node is inspected
    as it is composed, hence once however many aliases name it: a clock-like number is kept as
    text, and the keys of each mapping are checked for duplicates.
    """

    def __init__(self, stream: Utf8Source, name: str) -> None:
        super().__init__(stream)
        self.anchors: dict[str, Node] = {}
        self.name = name
        self.duplicates: list[Problem] = []

    def node(self) -> Node:
        """The next node of the stream, with everything under it."""
        event = self.get_event()
        kind = type(event)
        anchor = event.anchor
        if kind is AliasEvent:
            if anchor not in self.anchors:
                raise ComposerError(None, None, f"found undefined alias {anchor!r}", event.start_mark)
            return self.anchors[anchor]
        if anchor is not None and anchor in self.anchors:
            raise ComposerError(f"found duplicate anchor {anchor!r}; first occurrence",
                                self.anchors[anchor].start_mark, "second occurrence", event.start_mark)
        if kind is ScalarEvent:
            tag = event.tag
            if tag is None or tag == "!":
                tag = self.resolve(ScalarNode, event.value, event.implicit)
            if tag in _NUMBER_TAGS and ":" in event.value:
                tag = _STR_TAG  # YAML 1.1 would read 19:00 as the number 1140
            node: Node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
            if anchor is not None:
                self.anchors[anchor] = node
            return node
        return self.collection(event)

    def collection(self, start: CollectionStartEvent, *, items: bool = True) -> Node:
        """The sequence or mapping ``start`` opens; with ``items`` False, only its start (the
        caller composes its content)."""
        mark: Mark = start.start_mark  # type: ignore[assignment]  # libyaml's marks read alike
        kind = SequenceNode if isinstance(start, SequenceStartEvent) else MappingNode
        node: Node = kind(_tag(self, start, kind), [], mark, None, flow_style=start.flow_style)
        if start.anchor is not None:
            self.anchors[start.anchor] = node
        if items:
            self.content(node)
        return node

    def content(self, node: Node) -> None:
        """Compose a collection's items up to its end event, and close it."""
        value = node.value
        if isinstance(node, MappingNode):
            while not self.check_event(MappingEndEvent):
                value.append((self.node(), self.node()))
            self.duplicates += duplicate_keys(node, self.name)
        else:
            while not self.check_event(SequenceEndEvent):
                value.append(self.node())
        node.end_mark = self.get_event().end_mark


ItemHandler = Callable[[int, Node], None]


class YamlDocument:
    """The single YAML document of an inventory file, read by :meth:`read`; ``duplicates``
    then lists the keys that appear twice in a mapping, anywhere in the file."""

    def __init__(self, source: Utf8Source, name: str, list_key: str = "agencies") -> None:
        self._source = source
        self._name = name
        self._list_key = list_key
        self.duplicates: list[Problem] = []
        self._loader: _Loader | None = None

    def read(self, on_item: ItemHandler) -> Node | None:
        """Compose the document; when its top level is a mapping, each item of its ``agencies``
        sequence goes to ``on_item(index, node)`` as soon as it is composed (a second
        ``agencies`` key starts again at index 0), and the returned root holds an empty
        sequence in its place. None for a stream with no document. Raises ``yaml.YAMLError``
        as a whole-file load would."""
        loader = self._loader = _Loader(self._source, self._name)
        try:
            loader.get_event()  # stream start
            if loader.check_event(StreamEndEvent):
                return None
            loader.get_event()  # document start
            if loader.check_event(MappingStartEvent):
                root: Node = self._top_mapping(loader, on_item)
            else:
                root = loader.node()
            loader.get_event()  # document end
            if not loader.check_event(StreamEndEvent):
                raise ComposerError("expected a single document in the stream", root.start_mark,
                                    "but found another document", loader.get_event().start_mark)
            self.duplicates = loader.duplicates
            return root
        finally:
            loader.dispose()
            self._loader = None

    def construct(self, node: Node) -> object:
        """The plain data of a node (dicts, lists, strings...) composed by this read."""
        assert self._loader is not None, "construct() is for nodes handed over during read()"
        return self._loader.construct_document(node)

    def _top_mapping(self, loader: _Loader, on_item: ItemHandler) -> Node:
        root = loader.collection(loader.get_event(), items=False)
        while not loader.check_event(MappingEndEvent):
            key = loader.node()
            listed = isinstance(key, ScalarNode) and key.value == self._list_key
            if listed and loader.check_event(SequenceStartEvent) and loader.peek_event().anchor is None:
                value = loader.collection(loader.get_event(), items=False)  # stays empty
                index = 0
                while not loader.check_event(SequenceEndEvent):
                    on_item(index, loader.node())  # handed over, never kept
                    index += 1
                value.end_mark = loader.get_event().end_mark
            else:
                value = loader.node()
                if listed and isinstance(value, SequenceNode):  # an alias, or an anchored list
                    for index, item in enumerate(value.value):
                        on_item(index, item)
                    value = SequenceNode(value.tag, [], value.start_mark, value.end_mark,
                                         flow_style=value.flow_style)
            root.value.append((key, value))
        root.end_mark = loader.get_event().end_mark
        loader.duplicates += duplicate_keys(root, self._name)  # composed here, not by content()
        return root


def _tag(loader: _Loader, start: CollectionStartEvent, kind: type[Node]) -> str:
    """A collection's tag as the composer gives it: written, or resolved from its kind."""
    if start.tag is not None and start.tag != "!":
        return str(start.tag)
    return str(loader.resolve(kind, None, start.implicit))


def duplicate_keys(node: Node, name: str) -> list[Problem]:
    """One problem per key written twice in this mapping (not below it)."""
    problems: list[Problem] = []
    if not isinstance(node, MappingNode):
        return problems
    first: dict[str, Node] = {}
    for key, _value in node.value:
        if not isinstance(key, ScalarNode) or key.value == "<<":
            continue
        if key.value in first:
            line = first[key.value].start_mark.line + 1
            msg = _(
                "key '{key}' appears twice in this mapping (first on line {line}); "
                "YAML keeps only the last one, remove or merge the duplicate"
            )
            problems.append(at(name, key, "", msg.format(key=key.value, line=line)))
        first.setdefault(key.value, key)
    return problems

