"""Destination mappings: which events a destination takes (filter) and what payload it receives (fields).

Everything is checked when the destination is configured (`compile_mapping` raises InvalidArgument with
one field violation per problem), so a mapping that was accepted can never fail while sending.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format, struct_pb2
from google.protobuf.descriptor import FieldDescriptor

from loom.forwarding.v1 import forwarding_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2 as ingestion_pb
from services.common.errors import Violations
from services.common.events import event_type_name, profile_key
from services.forwarding.expression import ExpressionError, Predicate, compile_filter, lookup

_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")
MAX_FIELDS = 200


def _value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return _struct(value.struct_value)
    if kind == "list_value":
        return [_value(v) for v in value.list_value.values]
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return None if kind == "null_value" or kind is None else getattr(value, kind)


def _struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return {key: _value(v) for key, v in struct.fields.items()}


def _message(value: Any) -> Any:
    name = value.DESCRIPTOR.full_name
    if name == "google.protobuf.Struct":
        return _struct(value)
    if name == "google.protobuf.Timestamp":
        return value.ToJsonString()
    return json_format.MessageToDict(value, preserving_proto_field_name=True)


def _converter(fd: FieldDescriptor) -> Callable[[Any], Any]:
    """How one field of the event becomes JSON, decided once per field rather than once per event."""
    message = fd.message_type
    if message is None:
        if fd.enum_type is not None:
            names = {v.number: v.name for v in fd.enum_type.values}
            return (lambda v: [names[x] for x in v]) if fd.is_repeated else names.__getitem__
        return list if fd.is_repeated else (lambda v: v)
    if message.GetOptions().map_entry:
        if message.fields_by_name["value"].message_type is not None:
            return lambda v: {k: _message(x) for k, x in v.items()}
        return dict
    if fd.is_repeated:
        return lambda v: [_message(x) for x in v]
    return _message


_CONVERTERS = {fd.number: _converter(fd) for fd in ingestion_pb.Event.DESCRIPTOR.fields}


def event_document(event: ingestion_pb.Event) -> dict[str, Any]:
    """The event as a JSON document with proto field names; ``type`` is the short name (``track``).

    Hand-rolled over ``ListFields`` rather than ``MessageToDict``: it runs once per event per destination and
    is the largest cost on the forwarding fast path (about 4x faster). Whole numbers in properties come out
    as ints, as JSON senders expect.
    """
    document = {fd.name: _CONVERTERS[fd.number](value) for fd, value in event.ListFields()}
    document["type"] = event_type_name(event.type)
    document["profile_key"] = profile_key(event)
    return document


def _assign(target: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = target
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


@dataclass(frozen=True)
class CompiledMapping:
    """A validated mapping, ready to apply to event documents."""

    fields: tuple[tuple[str, str], ...]
    constants: Mapping[str, Any]
    predicate: Predicate

    def accepts(self, document: Mapping[str, Any]) -> bool:
        """Whether the event passes the filter."""
        return bool(self.predicate(document))

    def apply(self, document: dict[str, Any]) -> dict[str, Any]:
        """The destination's payload: the mapped fields (or the whole event) plus the constants."""
        if not self.fields:
            payload = dict(document)
        else:
            payload = {}
            for target, source in self.fields:
                value = lookup(document, source)
                if value is not None:
                    _assign(payload, target, value)
        for key, value in self.constants.items():
            _assign(payload, key, value)
        return payload

    def missing_sources(self, document: Mapping[str, Any]) -> list[str]:
        """Source paths of the mapping that the event does not have (for TestDestination)."""
        return [f"{source} (for {target}) is missing in the event" for target, source in self.fields
                if lookup(document, source) is None]


def compile_mapping(mapping: pb.Mapping, v: Violations, path: str = "destination.mapping") -> CompiledMapping:
    """Validates a Mapping proto, recording every problem in ``v``; returns what could be compiled."""
    fields: list[tuple[str, str]] = []
    if len(mapping.fields) > MAX_FIELDS:
        v.add(f"{path}.fields", f"at most {MAX_FIELDS} fields, got {len(mapping.fields)}")
    for target, source in sorted(mapping.fields.items()):
        if not _PATH.match(target):
            v.add(f"{path}.fields[{target!r}]", "target must be a dotted path like user.email")
        elif not _PATH.match(source):
            v.add(f"{path}.fields[{target!r}]", f"source {source!r} must be a dotted path like traits.email")
        else:
            fields.append((target, source))
    predicate: Predicate = lambda _d: True  # noqa: E731 - replaced below when the filter compiles
    try:
        predicate = compile_filter(mapping.filter)
    except ExpressionError as exc:
        v.add(f"{path}.filter", str(exc))
    constants = json_format.MessageToDict(mapping.constants) if mapping.HasField("constants") else {}
    for key in constants:
        if not _PATH.match(key):
            v.add(f"{path}.constants[{key!r}]", "key must be a dotted path")
    return CompiledMapping(tuple(fields), constants, predicate)
