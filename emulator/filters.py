"""``$filter`` syntax: a recursive-descent parser for 4D's query language, giving a syntax tree.

Grammar (4d-rest-api.md §2.2 and Part B §1.3)::

    expression := and_expr (("OR" | "|" | "||") and_expr)*
    and_expr   := unary (("AND" | "&" | "&&") unary | ("EXCEPT" | "^") unary)*
    unary      := "NOT" unary | primary
    primary    := "(" expression ")" | quoted | condition
    quoted     := '...' | "..."            -- where a condition is expected, its text is parsed as one
    condition  := path comparator value | path "IN" (list | placeholder)
    comparator := = == === != !== # > >= < <= % begin IS "IS NOT"
    value      := '...' | "..." | list | :N | bare word (number, true, false, null, text)

AND binds tighter than OR [inferred]. Values are unescaped (``\\u0027``, ``\\u0022``). What a tree means for a row
(text, date and number comparisons, the ``@`` wildcard) is ``predicates.py``'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from emulator.errors import RestError, query_error

COMPARATORS = ("===", "!==", "==", "!=", ">=", "<=", "=", "#", ">", "<", "%")
WORD_COMPARATORS = ("begin", "in", "is")
_BARE_STOP = set(" \t\r\n)&|")


@dataclass(frozen=True)
class Literal:
    text: str
    quoted: bool


@dataclass(frozen=True)
class ListValue:
    items: tuple[Literal | Placeholder, ...]


@dataclass(frozen=True)
class Placeholder:
    index: int


@dataclass(frozen=True)
class Comparison:
    path: tuple[str, ...]
    operator: str
    value: Literal | ListValue | Placeholder


@dataclass(frozen=True)
class Conjunction:
    kind: str  # and | or | except
    left: Node
    right: Node


@dataclass(frozen=True)
class Negation:
    operand: Node


Node = Comparison | Conjunction | Negation


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, message: str, code: int = 1162) -> RestError:
        return query_error(f"{message} at position {self.pos} in the query: {self.text}", code)

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self, token: str) -> bool:
        self.skip_space()
        return self.text.startswith(token, self.pos)

    def take_symbol(self, *symbols: str) -> str | None:
        self.skip_space()
        for symbol in symbols:
            if self.text.startswith(symbol, self.pos):
                self.pos += len(symbol)
                return symbol
        return None

    def take_word(self, *words: str) -> str | None:
        self.skip_space()
        for word in words:
            end = self.pos + len(word)
            boundary = end >= len(self.text) or not _is_name_char(self.text[end])
            if self.text[self.pos : end].lower() == word and boundary:
                self.pos = end
                return word
        return None

    def parse(self) -> Node:
        node = self.expression()
        self.skip_space()
        if self.pos != len(self.text):
            raise self.fail(f"Unexpected text {self.text[self.pos : self.pos + 20]!r}")
        return node

    def expression(self) -> Node:
        node = self.and_expression()
        while self.take_word("or") or self.take_symbol("||", "|"):
            node = Conjunction("or", node, self.and_expression())
        return node

    def and_expression(self) -> Node:
        node = self.unary()
        while True:
            if self.take_word("and") or self.take_symbol("&&", "&"):
                node = Conjunction("and", node, self.unary())
            elif self.take_word("except") or self.take_symbol("^"):
                node = Conjunction("except", node, self.unary())
            else:
                return node

    def unary(self) -> Node:
        if self.take_word("not"):
            return Negation(self.unary())
        return self.primary()

    def primary(self) -> Node:
        self.skip_space()
        if self.pos >= len(self.text):
            raise self.fail("Query expected")
        if self.take_symbol("("):
            node = self.expression()
            if not self.take_symbol(")"):
                raise self.fail("Closing parenthesis expected")
            return node
        if self.text[self.pos] in "'\"":
            inner = self.quoted_raw()
            return _Parser(inner).parse()  # a quoted condition, as pyERP's client wrote them
        return self.condition()

    def quoted_raw(self) -> str:
        quote = self.text[self.pos]
        start = self.pos + 1
        index = start
        while index < len(self.text):
            char = self.text[index]
            if char == "\\":
                index += 2
                continue
            if char == quote:
                self.pos = index + 1
                return self.text[start:index]
            index += 1
        single = quote == "'"
        raise self.fail(f"Expecting closing {'single' if single else 'double'} quote", 1808 if single else 1809)

    def condition(self) -> Comparison:
        start = self.pos
        while self.pos < len(self.text) and (_is_name_char(self.text[self.pos]) or self.text[self.pos] in ".[]"):
            self.pos += 1
        path = self.text[start : self.pos]
        if not path:
            raise self.fail("Attribute name expected")
        operator = self.comparator()
        if operator == "in":
            return Comparison(tuple(path.split(".")), "in", self.list_or_placeholder())
        return Comparison(tuple(path.split(".")), operator, self.value())

    def comparator(self) -> str:
        symbol = self.take_symbol(*COMPARATORS)
        if symbol:
            return symbol
        word = self.take_word(*WORD_COMPARATORS)
        if word == "is":
            return "!==" if self.take_word("not") else "==="
        if word:
            return word
        self.skip_space()
        found = self.text[self.pos :].split(" ", 1)[0] or "end of query"
        raise self.fail(f"Unknown comparison operator {found!r}", 1112)

    def list_or_placeholder(self) -> ListValue | Placeholder:
        if self.peek(":"):
            value = self.value()
            assert isinstance(value, Placeholder)
            return value
        if not self.take_symbol("["):
            raise self.fail("A list [v1, v2, ...] or a placeholder is expected after IN")
        items: list[Literal | Placeholder] = []
        if self.take_symbol("]"):
            return ListValue(())
        while True:
            item = self.value(in_list=True)
            if isinstance(item, ListValue):
                raise self.fail("Nested lists are not supported")
            items.append(item)
            if self.take_symbol("]"):
                return ListValue(tuple(items))
            if not self.take_symbol(","):
                raise self.fail("',' or ']' expected in the list")

    def value(self, in_list: bool = False) -> Literal | ListValue | Placeholder:
        self.skip_space()
        if self.pos >= len(self.text):
            raise self.fail("Value expected")
        char = self.text[self.pos]
        if char in "'\"":
            return Literal(_unescape(self.quoted_raw()), True)
        if char == ":":
            match = re.compile(r":(\d+)").match(self.text, self.pos)
            if not match:
                raise self.fail("Placeholder :N expected")
            self.pos = match.end()
            return Placeholder(int(match.group(1)))
        if char == "[":
            return self.list_or_placeholder()
        start = self.pos
        stop = _BARE_STOP | ({",", "]"} if in_list else set())
        while self.pos < len(self.text) and self.text[self.pos] not in stop:
            self.pos += 1
        if self.pos == start:
            raise self.fail("Value expected")
        return Literal(_unescape(self.text[start : self.pos]), False)


def _is_name_char(char: str) -> bool:
    return char.isalnum() or char == "_"


_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\(.)")


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), text)


def parse_filter(text: str) -> Node:
    """The syntax tree of a ``$filter`` value; a 500 ``RestError`` for malformed text."""
    if not text.strip():
        raise query_error("Empty query")
    return _Parser(text).parse()
