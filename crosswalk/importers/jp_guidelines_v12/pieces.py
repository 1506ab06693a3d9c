"""Source lines, and pieces of text that keep the source offset of each of their characters."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# The PDF's private-use bullet glyphs, written "•" as in the Ver1.1 text (SOURCES.md F and I).
GLYPH_MAP = {"\uf09f": "•", "\uf0b2": "•"}
GLYPHS = {"\uf09f", "\uf0b2", "⚫", "➢", "•"}
# Where pdftotext broke a line the PDF had wrapped, the text runs on; where a paragraph or a
# bullet ended, it starts a new line. A line ends its paragraph when it ends in "。" or "：", or
# is narrower than WRAP_RATIO of the widest line of its block, or, alone in its block, narrower
# than WRAP_WIDTH. Widths approximate the PDF's proportional font: a CJK character 2, a Latin
# character 1.25, a space 0.5. (This only decides line breaks: no character depends on it.)
WRAP_WIDTH = 70
WRAP_RATIO = 0.84
NEW_LINE_BEFORE = ("・", "（注）", "注釈", "（参考", "例）", "例 :")
URL = re.compile(r"https?://")


class ParseError(Exception):
    """The source does not have the shape this parser knows; says where."""


def width(text: str) -> float:
    return sum(
        2 if unicodedata.east_asian_width(c) in "WF" else 0.5 if c == " " else 1.25 for c in text
    )


@dataclass
class Call:
    """A footnote call: its numbers, and the source offsets of its characters."""

    numbers: list[str]
    digit_offsets: list[list[int]]
    separator_offsets: list[int]


@dataclass
class Line:
    """One source line: its text, its offset, and its pieces once footnote calls are cut out."""

    index: int
    start: int
    text: str
    segments: list[tuple[str, int]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    ends_paragraph: bool = True

    def tail(self, column: int) -> Line:
        """The line from `column` on (after a label), with its segments and calls."""
        segments = []
        for text, at in self.segments:
            end = at + len(text)
            if end <= self.start + column:
                continue
            cut = max(0, self.start + column - at)
            segments.append((text[cut:], at + cut))
        calls = [c for c in self.calls if c.digit_offsets[0][0] >= self.start + column]
        tail = Line(self.index, self.start + column, self.text[column:], segments, calls)
        tail.ends_paragraph = self.ends_paragraph
        return tail


@dataclass
class Piece:
    """Text made of source characters, with the source offset of each non-space character."""

    parts: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    last_line: str = ""
    last_ends_paragraph: bool = False
    after_glyph: bool = False

    def _source(self, text: str, at: int) -> None:
        self.offsets.extend(at + i for i, c in enumerate(text) if not c.isspace())
        self.parts.append("".join(GLYPH_MAP.get(c, c) for c in text))

    def add_line(self, line: Line, *, heading: bool = False, raw: bool = False) -> None:
        """Append a line: joined to the previous one unless that ended a paragraph."""
        if self.parts:
            self.parts.append(self._joiner(line.text, heading=heading, raw=raw))
        for text, at in line.segments:
            self._source(text, at)
        self.last_line = line.text
        self.last_ends_paragraph = line.ends_paragraph
        self.after_glyph = False

    def add_glyph(self, line: Line) -> None:
        """A bullet glyph starts a new line of its own."""
        if self.parts:
            self.parts.append("\n")
        self._source(line.text.strip(), line.start + line.text.index(line.text.strip()))
        self.parts.append(" ")
        self.after_glyph = True

    def _joiner(self, following: str, *, heading: bool, raw: bool) -> str:
        previous = self.last_line
        if raw:
            return "\n"
        if self.after_glyph:
            return ""
        # The source spaces a Latin word or number off from Japanese ("AI モデル", "9 月"): a
        # line break between them becomes that space.
        end, start = previous[-1:], following[:1]
        word_gap = end.isalnum() and start.isalnum() and (end.isascii() or start.isascii())
        if heading:
            return " " if word_gap else ""
        if (
            self.last_ends_paragraph
            or URL.search(previous.split(" ")[-1])
            or URL.match(following)
            or following.startswith(NEW_LINE_BEFORE)
        ):
            return "\n"
        return " " if word_gap else ""

    @property
    def text(self) -> str:
        lines = (line.strip() for line in "".join(self.parts).split("\n"))
        return "\n".join(line for line in lines if line)

    def __bool__(self) -> bool:
        return bool(self.offsets)


@dataclass
class Glyph:
    line: Line

    @property
    def char(self) -> str:
        return self.line.text.strip()


@dataclass
class Block:
    lines: list[Line]


Item = Glyph | Block


def lines_of(source: str) -> list[Line]:
    lines, at = [], 0
    for index, text in enumerate(source.split("\n")):
        lines.append(Line(index, at, text, [(text, at)] if text else []))
        at += len(text) + 1
    return lines


def mark_paragraph_ends(lines: list[Line], footnote_lines: set[int]) -> None:
    """Set `ends_paragraph` on each line, judged within its block of lines (a run of text
    lines of one kind, running text or footnote body, between blanks and glyphs)."""
    block: list[Line] = []
    for line in [*lines, Line(-1, 0, "")]:
        kind = line.index in footnote_lines
        text = line.text.strip()
        if block and (not text or text in GLYPHS or (block[-1].index in footnote_lines) != kind):
            widest = max(width(b.text) for b in block)
            for b in block:
                wide = width(b.text) >= (widest * WRAP_RATIO if len(block) > 1 else WRAP_WIDTH)
                b.ends_paragraph = b.text.endswith(("。", "：")) or not wide
            block = []
        if text and text not in GLYPHS:
            block.append(line)
