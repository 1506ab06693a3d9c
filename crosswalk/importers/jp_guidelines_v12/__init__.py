"""AI事業者ガイドライン（第1.2版）本編 as pdftotext left it: provisions, footnotes and layout.

The source (SOURCES.md section I) is plain `pdftotext` output: page-foot footnotes sit where the
page ended, often mid-sentence, without their numbers; footnote calls are glued to the word
before them (`施行された1,2`); bullets are glyphs on lines of their own, sometimes a little away
from their text. This module turns it into a tree of nodes whose labels, headings and texts are
made only of the source's characters. Every `Piece` keeps, for each non-space character it
holds, the offset of the source character it came from, so a test can prove that each
non-blank character from はじめに to the end is used exactly once.
"""

from crosswalk.importers.jp_guidelines_v12.parser import ROMAN, Node, Parsed, iter_pieces, parse
from crosswalk.importers.jp_guidelines_v12.pieces import GLYPH_MAP, ParseError, Piece

__all__ = ["GLYPH_MAP", "ROMAN", "Node", "ParseError", "Parsed", "Piece", "iter_pieces", "parse"]
