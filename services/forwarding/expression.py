"""A small, safe filter language for destination mappings.

Grammar (no function calls, no attribute access beyond dotted field paths, nothing that can run code)::

    expr    := or
    or      := and ( "||" and )*
    and     := not ( "&&" not )*
    not     := "!" not | compare
    compare := value ( ("==" | "!=" | "<" | "<=" | ">" | ">=" | "in") value )?
    value   := STRING | NUMBER | true | false | null | PATH | "[" value ("," value)* "]" | "(" expr ")"

A PATH such as ``event``, ``market`` or ``properties.total`` reads the event document; a missing path is
null. Comparing values of different types is false (never an error), so a filter cannot fail at send time:
every problem is found by `compile_filter` when the destination is configured.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Predicate = Callable[[Mapping[str, Any]], Any]

_TOKEN = re.compile(
    r"""\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|"""
    r"""(?P<op>&&|\|\||==|!=|<=|>=|<|>|!|\(|\)|\[|\]|,)|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*))"""
)
_CONSTANTS = {"true": True, "false": False, "null": None}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "in": lambda a, b: isinstance(b, list) and a in b,
}
MAX_LENGTH = 2000


class ExpressionError(ValueError):
    """The filter text is not a valid expression; the message says where and why."""


def lookup(document: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of a JSON-like document, or None when any step is missing."""
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].isspace():
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ExpressionError(f"unexpected character {text[pos:].lstrip()[:1]!r} at position {pos}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str, int]:
        if self.i >= len(self.tokens):
            raise ExpressionError(f"expression ends early; expected {expected or 'a value'}")
        token = self.tokens[self.i]
        if expected is not None and token[1] != expected:
            raise ExpressionError(f"expected {expected!r} at position {token[2]}, found {token[1]!r}")
        self.i += 1
        return token

    def parse(self) -> Predicate:
        node = self.or_()
        if self.i < len(self.tokens):
            _, text, pos = self.tokens[self.i]
            raise ExpressionError(f"unexpected {text!r} at position {pos}")
        return node

    def or_(self) -> Predicate:
        parts = [self.and_()]
        while self.peek() == "||":
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else (lambda d: any(p(d) for p in parts))

    def and_(self) -> Predicate:
        parts = [self.not_()]
        while self.peek() == "&&":
            self.take()
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else (lambda d: all(p(d) for p in parts))

    def not_(self) -> Predicate:
        if self.peek() == "!":
            self.take()
            inner = self.not_()
            return lambda d: not inner(d)
        return self.compare()

    def compare(self) -> Predicate:
        left = self.value()
        op = self.peek()
        if op not in _COMPARE:
            return left
        self.take()
        right = self.value()
        fn = _COMPARE[op]

        def compare(d: Mapping[str, Any]) -> bool:
            try:
                return bool(fn(left(d), right(d)))
            except TypeError:  # e.g. "abc" < 3: a mismatch, not an error
                return False

        return compare

    def value(self) -> Predicate:
        kind, text, pos = self.take()
        if kind == "num":
            number = float(text) if "." in text else int(text)
            return lambda _d: number
        if kind == "str":
            literal = re.sub(r"\\(.)", r"\1", text[1:-1])
            return lambda _d: literal
        if kind == "name":
            if text in _CONSTANTS:
                constant = _CONSTANTS[text]
                return lambda _d: constant
            return lambda d: lookup(d, text)
        if text == "(":
            inner = self.or_()
            self.take(")")
            return inner
        if text == "[":
            items = [self.value()]
            while self.peek() == ",":
                self.take()
                items.append(self.value())
            self.take("]")
            return lambda d: [item(d) for item in items]
        raise ExpressionError(f"unexpected {text!r} at position {pos}")


def compile_filter(text: str) -> Predicate:
    """Compiles a filter; an empty text passes everything. Raises ExpressionError for invalid text."""
    if not text.strip():
        return lambda _d: True
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"filter is {len(text)} characters; at most {MAX_LENGTH}")
    return _Parser(text).parse()
