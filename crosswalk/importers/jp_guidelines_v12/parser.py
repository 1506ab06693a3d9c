"""The document's structure: preface, Parts 1-5, sections, principles, items and actions."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from crosswalk.importers.jp_guidelines_v12.footnotes import cut_calls, find_footnote_bodies
from crosswalk.importers.jp_guidelines_v12.pieces import (
    GLYPHS,
    Block,
    Call,
    Glyph,
    Item,
    Line,
    ParseError,
    Piece,
    lines_of,
    mark_paragraph_ends,
    width,
)

# A Code of Conduct heading ends at a line ending in "。" or narrower than this.
HEADING_WRAP_WIDTH = 80
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI"]
FULLWIDTH_DIGITS = "１２３４５６７８９"

# The document's skeleton, in order: (name, whole-line pattern). A heading anchor's line gives
# the node its label and heading; a text anchor's line is the first line of the node's text.
ANCHORS: list[tuple[str, str]] = [
    ("preface", r"(はじめに)"),
    ("part_1", r"(第１部) (AI とは)"),
    ("part_1_terms", r"(関連する用語)"),
    ("part_2", r"(第２部) (AI により目指すべき社会及び各主体が取り組む事項)"),
    ("sec_a", r"(A\.) (基本理念)"),
    ("sec_a_closing", r"この基本的な考え方自体は、.*"),
    ("sec_b", r"(B\.) (原則)"),
    ("sec_c", r"(C\.) (共通の指針)"),
    ("sec_c_closing", r"以上の事項に加え、.*"),
    ("table_1", r"(表 1\.) (「共通の指針」に加えて主体毎に重要となる事項)"),
    ("sec_d", r"(D\.) (広島 AI プロセス「全ての AI 関係者向けの広島プロセス国際指針」)"),
    ("sec_e", r"(E\.) (AI ガバナンスの構築)"),
    ("sec_e_closing", r"また、AI ガバナンスの検討にあたっては、.*"),
    ("part_3", r"(第３部) (AI 開発者に関する事項)"),
    ("part_3_expected", r"以下に、AI 開発者の取組が期待される事項を挙げる。"),
    ("part_3_code", r"(広島 AI プロセス「高度な AI システムを開発する組織向けの"
                    r"広島プロセス国際行動規範」)"),
    ("part_3_code_closing", r"当該「行動規範」の遵守状況を.*"),
    ("part_4", r"(第４部) (AI 提供者に関する事項)"),
    ("part_4_closing", r"なお、全ての AI 関係者は、.*"),
    ("part_5", r"(第５部) (AI 利用者に関する事項)"),
    ("part_5_closing", r"なお、全ての AI 関係者は、.*"),
]  # fmt: skip

FIGURE = re.compile(r"図 [0-9]+\. \S.*")
PRINCIPLE = re.compile(r"([0-9]{1,2})\)(?: (.+))?")
ITEM = re.compile(r"(([DPU])-([0-9]+)）\s*([ivx]+)\.)\s*(.+)")
D_PARAGRAPH = re.compile(r"([１２３])．(.*)")
D_PRINCIPLE = re.compile(r"([①-⑪]) (.+)")


@dataclass
class Node:
    """One provision of Ver1.2: where it sits, and its label, heading and text."""

    key: str
    kind: str
    number: str = ""
    parent: Node | None = None
    label_original: Piece = field(default_factory=Piece)
    heading: Piece = field(default_factory=Piece)
    text: Piece = field(default_factory=Piece)
    calls: list[Call] = field(default_factory=list)
    figures: list[Piece] = field(default_factory=list)

    def add_text(self, line: Line, *, raw: bool = False) -> None:
        self.text.add_line(line, raw=raw)
        self.calls.extend(line.calls)

    def add_heading(self, line: Line) -> None:
        self.heading.add_line(line, heading=True)
        self.calls.extend(line.calls)

    def add_label(self, line: Line, column: int) -> None:
        """The line's first `column` characters (less trailing spaces) are the label."""
        label = line.text[:column].rstrip()
        self.label_original.add_line(Line(line.index, line.start, label, [(label, line.start)]))

    def add_glyph_label(self, glyph: Glyph) -> None:
        self.label_original.add_glyph(glyph.line)

    @property
    def footnote_numbers(self) -> list[str]:
        return [n for call in self.calls for n in call.numbers]


@dataclass
class Parsed:
    """The parse: nodes in document order, footnote bodies by number, figure titles, calls."""

    start: int
    nodes: list[Node]
    footnotes: dict[str, Piece]
    figures: list[Piece]

    @property
    def calls(self) -> list[Call]:
        return [call for node in self.nodes for call in node.calls]

    def by_key(self) -> dict[str, Node]:
        return {node.key: node for node in self.nodes}


Match = re.Match[str]
Nodes = dict[str, "Node"]  # the nodes made so far, by anchor name


def _starts_block(text: str) -> bool:
    """A label line (①, "1) 人間中心", "D-2）i. …") always starts a block of its own."""
    return (
        (len(text) == 1 and text in CIRCLED)
        or PRINCIPLE.fullmatch(text) is not None
        or ITEM.fullmatch(text) is not None
    )


def _items(lines: list[Line]) -> list[Item]:
    """Group lines into glyphs and blocks (runs of text lines between blanks and glyphs)."""
    items: list[Item] = []
    block: list[Line] = []
    for line in lines:
        stripped = line.text.strip()
        if stripped in GLYPHS or not stripped or _starts_block(line.text):
            if block:
                items.append(Block(block))
                block = []
            if stripped in GLYPHS:
                items.append(Glyph(line))
            elif len(stripped) == 1 and stripped in CIRCLED:
                items.append(Block([line]))
            elif stripped:
                block.append(line)
        else:
            block.append(line)
    if block:
        items.append(Block(block))
    return items


class _Parser:
    def __init__(self, source: str) -> None:
        self.lines = lines_of(source)
        start = next((i for i, line in enumerate(self.lines) if line.text == "はじめに"), None)
        if start is None:
            raise ParseError("no line 'はじめに'")
        self.first = start
        self.body_lines = find_footnote_bodies(self.lines, start)
        self.figure_lines = {
            i for i in range(start, len(self.lines)) if FIGURE.fullmatch(self.lines[i].text)
        }
        cut_calls(self.lines[start:], set(self.body_lines) | self.figure_lines)
        mark_paragraph_ends(self.lines[start:], set(self.body_lines))
        self.nodes: list[Node] = []
        self.figures: list[Piece] = []

    def node(self, key: str, kind: str, parent: Node | None, number: str = "") -> Node:
        node = Node(key=key, kind=kind, number=number, parent=parent)
        self.nodes.append(node)
        return node

    def anchors(self) -> list[tuple[str, re.Match[str], int]]:
        found, cursor = [], self.first
        for name, pattern in ANCHORS:
            regex = re.compile(pattern)
            at = next(
                (
                    i
                    for i in range(cursor, len(self.lines))
                    if i not in self.body_lines and regex.fullmatch(self.lines[i].text)
                ),
                None,
            )
            if at is None:
                raise ParseError(f"anchor {name!r} ({pattern}) not found")
            found.append((name, regex.fullmatch(self.lines[at].text), at))
            cursor = at + 1
        return found

    def region(self, first: int, end: int, owner: Node) -> list[Line]:
        """The running-text lines of [first, end); figure titles go to `owner`."""
        lines = []
        for i in range(first, end):
            if i in self.body_lines:
                continue
            if i in self.figure_lines:
                figure = Piece()
                figure.add_line(self.lines[i])
                owner.figures.append(figure)
                self.figures.append(figure)
                continue
            lines.append(self.lines[i])
        return lines

    def parse(self) -> Parsed:
        anchors = self.anchors()
        bounds = [at for _, _, at in anchors] + [len(self.lines)]
        nodes: dict[str, Node] = {}
        for position, (name, match, at) in enumerate(anchors):
            handler = getattr(self, f"_{name}")
            nodes[name] = handler(match, self.lines[at], bounds[position + 1], nodes)
        footnotes: dict[str, Piece] = {}
        for index in sorted(self.body_lines):
            number = self.body_lines[index]
            footnotes.setdefault(number, Piece()).add_line(self.lines[index])
        return Parsed(self.lines[self.first].start, self.nodes, footnotes, self.figures)

    # -- generic pieces -------------------------------------------------------------------

    def headed(
        self, key: str, kind: str, match: re.Match[str], line: Line, number: str = ""
    ) -> Node:
        """A node whose anchor line is 'label heading' (or just a heading)."""
        node = self.node(key, kind, None, number)
        if match.lastindex == 2:
            node.add_label(line, match.start(2))
            node.add_heading(line.tail(match.start(2)))
        else:
            node.add_heading(line)
        return node

    def flow(self, node: Node, items: list[Item]) -> None:
        """Everything in `items` is `node`'s text, in source order."""
        for item in items:
            if isinstance(item, Glyph):
                node.text.add_glyph(item.line)
            else:
                for line in item.lines:
                    node.add_text(line)

    def text_node(self, key: str, line: Line, end: int, parent: Node | None) -> Node:
        node = self.node(key, "text", parent)
        self.flow(node, _items(self.region(line.index, end, node)))
        return node

    # -- preface and Part 1 ---------------------------------------------------------------

    def _preface(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        node = self.headed("Preface", "preface", match, line)
        self.flow(node, _items(self.region(line.index + 1, end, node)))
        return node

    def _part_1(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        node = self.headed("Part 1", "part", match, line, "1")
        self.flow(node, _items(self.region(line.index + 1, end, node)))
        return node

    def _part_1_terms(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        container = self.headed("Part 1, terms", "section", match, line)
        container.parent = nodes["part_1"]
        term: Node | None = None
        for item in _items(self.region(line.index + 1, end, container)):
            if isinstance(item, Glyph):
                number = str(sum(1 for n in self.nodes if n.parent is container) + 1)
                term = self.node(f"Part 1, term {number}", "definition", container, number)
                term.add_glyph_label(item)
                continue
            if term is None:
                raise ParseError("Part 1: text before the first term")
            lines = item.lines
            if not term.heading:
                term.add_heading(lines[0])
                lines = lines[1:]
            for text_line in lines:
                term.add_text(text_line)
        return container

    # -- Part 2 ---------------------------------------------------------------------------

    def _part_2(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        node = self.headed("Part 2", "part", match, line, "2")
        self.flow(node, _items(self.region(line.index + 1, end, node)))
        return node

    def section(self, match: re.Match[str], line: Line) -> Node:
        letter = match.group(1)[0]
        return self.headed(f"Part 2 {letter}", "section", match, line, letter)

    def _sec_a(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        section = self.section(match, line)
        current, in_heading = section, False
        for text_line in self.region(line.index + 1, end, section):
            label = text_line.text.strip()
            if len(label) == 1 and label in CIRCLED:
                number = str(CIRCLED.index(label) + 1)
                current = self.node(f"Part 2 A ({number})", "point", section, number)
                current.add_label(text_line, len(text_line.text))
                in_heading = True
            elif not label:
                continue
            elif in_heading:
                current.add_heading(text_line)
                in_heading = not label.endswith("）")
            else:
                current.add_text(text_line)
        return section

    def _sec_a_closing(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        return self.text_node("Part 2 A, closing text", line, end, nodes["sec_a"])

    def _sec_b(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        section = self.section(match, line)
        self.flow(section, _items(self.region(line.index + 1, end, section)))
        return section

    def _sec_c(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        section = self.section(match, line)
        _CommonGuidingPrinciples(self, section).run(self.region(line.index + 1, end, section))
        return section

    def _sec_c_closing(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        return self.text_node("Part 2 C, closing text", line, end, nodes["sec_c"])

    def _table_1(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        node = self.headed("Part 2 C, Table 1", "table", match, line, "1")
        node.parent = nodes["sec_c"]
        for text_line in self.region(line.index + 1, end, node):
            if text_line.text.strip():
                node.add_text(text_line, raw=True)
        return node

    def _sec_d(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        section = self.section(match, line)
        current, paragraph, expected = section, None, 1
        for text_line in self.region(line.index + 1, end, section):
            text = text_line.text
            if not text.strip():
                continue
            para = D_PARAGRAPH.fullmatch(text)
            principle = D_PRINCIPLE.fullmatch(text)
            if para and FULLWIDTH_DIGITS.index(para.group(1)) + 1 == (
                int(paragraph.number) + 1 if paragraph else 1
            ):
                number = str(FULLWIDTH_DIGITS.index(para.group(1)) + 1)
                paragraph = self.node(f"Part 2 D {number}.", "paragraph", section, number)
                paragraph.add_label(text_line, 2)
                paragraph.add_text(text_line.tail(2))
                current = paragraph
            elif (principle and CIRCLED.index(principle.group(1)) + 1 == expected) or (
                text == CIRCLED[expected - 1] and expected == 12
            ):
                number = str(expected)
                current = self.node(f"Part 2 D ({number})", "principle", paragraph, number)
                current.add_label(text_line, 1)
                if principle:
                    current.add_heading(text_line.tail(2))
                expected += 1
            elif current.kind == "principle" and (current.number != "12" or not current.heading):
                current.add_heading(text_line)
            else:
                current.add_text(text_line)
        if expected != 13:
            raise ParseError(f"Part 2 D: principles 1 to {expected - 1} only")
        return section

    def _sec_e(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        section = self.section(match, line)
        current = section
        for text_line in self.region(line.index + 1, end, section):
            label = text_line.text.strip()
            if len(label) == 1 and label in CIRCLED:
                number = str(CIRCLED.index(label) + 1)
                current = self.node(f"Part 2 E ({number})", "point", section, number)
                current.add_label(text_line, len(text_line.text))
            elif label:
                current.add_text(text_line)
        return section

    def _sec_e_closing(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        return self.text_node("Part 2 E, closing text", line, end, nodes["sec_e"])

    # -- Parts 3 to 5 ---------------------------------------------------------------------

    def part(self, match: re.Match[str], line: Line, end: int) -> Node:
        number = str(FULLWIDTH_DIGITS.index(match.group(1)[1]) + 1)
        node = self.headed(f"Part {number}", "part", match, line, number)
        _Items(self, node, node).run(_items(self.region(line.index + 1, end, node)))
        return node

    def _part_3(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        return self.part(match, line, end)

    def _part_3_expected(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        part = nodes["part_3"]
        node = self.node("Part 3, introduction to D-10) i.", "text", part)
        node.add_text(line)
        _Items(self, node, part).run(_items(self.region(line.index + 1, end, part)))
        return node

    def _part_3_code(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        code = self.headed("Part 3, Code of Conduct", "section", match, line)
        code.parent = nodes["part_3"]
        current, expected, in_heading = code, 0, False
        for text_line in self.region(line.index + 1, end, code):
            text = text_line.text
            if not text.strip():
                continue
            if expected < len(ROMAN) and re.fullmatch(rf"{ROMAN[expected]}\.(?: .*)?", text):
                roman = ROMAN[expected]
                current = self.node(f"Part 3, Code of Conduct {roman}.", "action", code, roman)
                current.add_label(text_line, len(roman) + 1)
                expected += 1
                rest = text_line.tail(len(roman) + 1)
                in_heading = True
                if not rest.text.strip():
                    continue
                text_line = rest.tail(len(rest.text) - len(rest.text.lstrip()))
            if in_heading:
                current.add_heading(text_line)
                text = text_line.text
                in_heading = not (text.endswith("。") or width(text) < HEADING_WRAP_WIDTH)
            elif text.strip() in GLYPHS:
                current.text.add_glyph(text_line)
            else:
                current.add_text(text_line)
        if expected != len(ROMAN):
            raise ParseError(f"Part 3: Code of Conduct actions I to {ROMAN[expected - 1]} only")
        return code

    def _part_3_code_closing(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        return self.text_node(
            "Part 3, Code of Conduct, closing text", line, end, nodes["part_3_code"]
        )

    def _part_4(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        return self.part(match, line, end)

    def _part_4_closing(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        return self.text_node("Part 4, closing text", line, end, nodes["part_4"])

    def _part_5(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        return self.part(match, line, end)

    def _part_5_closing(self, match: Match, line: Line, end: int, nodes: Nodes) -> Node:
        return self.text_node("Part 5, closing text", line, end, nodes["part_5"])


class _CommonGuidingPrinciples:
    """Part 2 C: principles 1)-10) and their sub-items ①…, whose labels, headings and bullets
    pdftotext sometimes emits out of order (6)④, 7)③④, 10)①-③).

    A bullet glyph belongs to the item whose heading came last; a text block goes to the oldest
    glyph still waiting for its text, else becomes the heading of the oldest label still waiting
    for one, else continues the item (a page break or a closing paragraph)."""

    def __init__(self, parser: _Parser, section: Node) -> None:
        self.parser = parser
        self.section = section

    def run(self, lines: list[Line]) -> None:
        principle: Node | None = None
        current = self.section
        expected_principle, expected_item = 1, 1
        labels: deque[Node] = deque()
        glyphs: deque[Node] = deque()
        heading_due = False
        for item in _items(lines):
            if isinstance(item, Glyph):
                glyphs.append(current)
                current.text.add_glyph(item.line)
                continue
            first = item.lines[0]
            match = PRINCIPLE.fullmatch(first.text)
            if match and int(match.group(1)) == expected_principle:
                if labels or glyphs:
                    raise ParseError(f"Part 2 C {expected_principle - 1}): unfinished items")
                number = match.group(1)
                principle = self.parser.node(
                    f"Part 2 C {number})", "principle", self.section, number
                )
                principle.add_label(first, len(number) + 1)
                rest = item.lines[1:]
                if match.group(2):
                    principle.add_heading(first.tail(match.start(2)))
                else:
                    heading_due = True
                for line in rest:
                    principle.add_text(line)
                current, expected_principle, expected_item = principle, expected_principle + 1, 1
                continue
            if heading_due:
                current.add_heading(first)
                for line in item.lines[1:]:
                    current.add_text(line)
                heading_due = False
                continue
            if len(item.lines) == 1 and first.text == CIRCLED[expected_item - 1]:
                key = f"Part 2 C {principle.number})({expected_item})"
                sub = self.parser.node(key, "sub_principle", principle, str(expected_item))
                sub.add_label(first, 1)
                labels.append(sub)
                expected_item += 1
                continue
            if glyphs:
                owner = glyphs.popleft()
                for line in item.lines:
                    owner.add_text(line)
            elif labels:
                current = labels.popleft()
                current.add_heading(first)
                for line in item.lines[1:]:
                    current.add_text(line)
            else:
                for line in item.lines:
                    current.add_text(line)
        if labels or glyphs or expected_principle != 11:
            raise ParseError("Part 2 C: principles or items left unfinished")


class _Items:
    """Parts 3-5: stages (⚫ データ前処理時 …) holding items (➢ D-2）i. …) with bullets."""

    def __init__(self, parser: _Parser, first: Node, part: Node) -> None:
        self.parser = parser
        self.current = first
        self.part = part
        self.stage: Node | None = None

    def _stage_at(self, items: list[Item], i: int) -> bool:
        window = items[i : i + 4]
        return (
            len(window) == 4
            and isinstance(window[0], Glyph)
            and window[0].char == "⚫"
            and isinstance(window[1], Block)
            and len(window[1].lines) == 1
            and isinstance(window[2], Glyph)
            and window[2].char == "➢"
            and isinstance(window[3], Block)
            and ITEM.fullmatch(window[3].lines[0].text) is not None
        )

    def run(self, items: list[Item]) -> None:
        i = 0
        while i < len(items):
            item = items[i]
            if self._stage_at(items, i):
                count = sum(
                    1 for n in self.parser.nodes if n.kind == "stage" and n.parent is self.part
                )
                number = str(count + 1)
                key = f"{self.part.key}, stage {number}"
                self.stage = self.parser.node(key, "stage", self.part, number)
                self.stage.add_glyph_label(item)
                self.stage.add_heading(items[i + 1].lines[0])
                self.current = self.stage
                i += 2
                continue
            marker = None
            if (
                isinstance(item, Glyph)
                and item.char == "➢"
                and i + 1 < len(items)
                and isinstance(items[i + 1], Block)
                and ITEM.fullmatch(items[i + 1].lines[0].text)
            ):
                marker, i = item, i + 1
                item = items[i]
            if isinstance(item, Block) and (match := ITEM.fullmatch(item.lines[0].text)):
                self._item(match, item, marker)
            elif isinstance(item, Glyph):
                self.current.text.add_glyph(item.line)
            else:
                for line in item.lines:
                    self.current.add_text(line)
            i += 1

    def _item(self, match: re.Match[str], block: Block, marker: Glyph | None) -> None:
        label = f"{match.group(2)}-{match.group(3)}) {match.group(4)}."
        keys = {n.key for n in self.parser.nodes}
        key = label if label not in keys else f"{label} ({self.stage.key})"
        parent = self.stage if self.stage is not None else self.part
        node = self.parser.node(key, "item", parent, label)
        first = block.lines[0]
        if marker is not None:
            node.add_glyph_label(marker)
        node.label_original.add_line(first_part(first, match.end(1)), heading=True)
        node.add_heading(first.tail(match.start(5)))
        for line in block.lines[1:]:
            node.add_text(line)
        self.current = node


def first_part(line: Line, column: int) -> Line:
    text = line.text[:column]
    return Line(line.index, line.start, text, [(text, line.start)])


def parse(source: str) -> Parsed:
    """Parse the whole main body, from はじめに to the end."""
    return _Parser(source).parse()


def iter_pieces(parsed: Parsed) -> Iterator[tuple[str, Piece]]:
    """Every piece the parse made from source characters, named by what it is."""
    for node in parsed.nodes:
        yield f"{node.key}: label", node.label_original
        yield f"{node.key}: heading", node.heading
        yield f"{node.key}: text", node.text
    for number, body in parsed.footnotes.items():
        yield f"footnote {number}", body
    for figure in parsed.figures:
        yield "figure title", figure
