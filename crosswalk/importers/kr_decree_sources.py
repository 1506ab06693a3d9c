"""The Enforcement Decree's two originals read into trees of provisions, one per decree's text.

legalize-kr's Markdown gives No. 36053 as enacted; the law.go.kr API JSON the text as amended by
No. 36506 and No. 36580, with the addenda of all three decrees, the annexes and the 개정문 of No.
36580. Words are kept, whitespace collapsed (annexes keep their lines as they are: they are a
layout); labels move out of the text into `label_original`, and the consolidation's notes
(<개정 2026.7.20>, <신설 ...>, [본조신설 ...], [시행일: ...]) into `notes`. Markdown escapes
(`1\\.`, `**①**`) are undone. A parent's text holds its children, labelled, one per line (headings
and addenda excepted), as in the Act's derived JSON.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crosswalk.importers.common import Raw, SourceError

CURRENT_FILE = "kr-ai-framework-act-decree.lawgokr-api-36580.json"
ENACTED_FILE = "kr-ai-framework-act-decree.legalize-kr-36053.md"
ACT_NAME = "인공지능 발전과 신뢰 기반 조성 등에 관한 기본법"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
KO_LETTERS = "가나다라마바사아자차카타파하"
EN_LETTERS = "abcdefghijklmn"
NOTE = re.compile(r"\s*(?:<(?:개정|신설|삭제|전문개정|본조신설)[^<>]*>|\[시행일:[^\]]*\].*$)")
CONTAINERS = {"chapter", "section", "addenda_group", "addenda"}


def clean(s: str | None) -> str:
    return re.sub(r"\s+", " ", s or "").strip()


def as_list(value: Any) -> list[Any]:
    """The API gives one child as an object and several as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------- the tree of one version


@dataclass
class Node:
    kind: str
    number: str
    citation: str
    label_original: str
    own: str = ""
    heading_original: str = ""
    notes: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class Unit:
    """One provision of one version, flattened: its text holds its children, labelled."""

    kind: str
    number: str
    label_original: str
    heading_original: str
    text: str
    parent: str | None
    notes: tuple[str, ...]


def take_notes(text: str) -> tuple[str, list[str]]:
    text = clean(text)
    return clean(NOTE.sub("", text)), [clean(m.group(0)) for m in NOTE.finditer(text)]


def labelled(node: Node) -> list[str]:
    lines = []
    for child in node.children:
        lines.append(f"{child.label_original} {child.own}")
        lines += labelled(child)
    return lines


def flatten(nodes: list[Node], parent: str | None = None) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for node in nodes:
        # Headings hold no text, and an addenda's own words are its whole body already (as in
        # the Act); everything else holds its children's words, labelled.
        below = labelled(node) if node.kind not in CONTAINERS else []
        units[node.citation] = Unit(
            kind=node.kind,
            number=node.number,
            label_original=node.label_original,
            heading_original=node.heading_original,
            text="\n".join(([node.own] if node.own else []) + below),
            parent=parent,
            notes=tuple(node.notes),
        )
        units.update(flatten(node.children, node.citation))
    return units


def article_node(number: str, label: str, title: str, own: str, notes: list[str]) -> Node:
    return Node("article", number, f"Article {number}", label, own, title, notes)


def paragraph_node(base: str, label: str, own: str, notes: list[str], file: str) -> Node:
    if label not in CIRCLED:
        raise SourceError(file, base, f"unknown paragraph label {label!r}")
    number = str(CIRCLED.index(label) + 1)
    return Node("paragraph", number, f"{base}({number})", label, own, notes=notes)


def subparagraph_node(base: str, label: str, own: str, notes: list[str], file: str) -> Node:
    m = re.fullmatch(r"(\d+)(?:의(\d+))?\.", label)
    if not m:
        raise SourceError(file, base, f"unknown subparagraph label {label!r}")
    number = f"{m.group(1)}-{m.group(2)}" if m.group(2) else m.group(1)
    return Node("subparagraph", number, f"{base}{number}", label, own, notes=notes)


def item_node(base: str, index: int, label: str, own: str, notes: list[str], file: str) -> Node:
    if label != f"{KO_LETTERS[index]}.":
        raise SourceError(file, base, f"item {index + 1} is labelled {label!r}")
    letter = EN_LETTERS[index]
    return Node("item", letter, f"{base}({letter})", label, own, notes=notes)


def sub_base(article: Node, paragraph: Node | None) -> str:
    return paragraph.citation if paragraph else f"{article.citation}, subparagraph "


def heading_node(line: str, chapter: Node | None, file: str) -> Node:
    if m := re.fullmatch(r"제(\d+)장 (.*)", line):
        return Node("chapter", m.group(1), f"Chapter {m.group(1)}", line, "", m.group(2))
    if (m := re.fullmatch(r"제(\d+)절 (.*)", line)) and chapter:
        citation = f"{chapter.citation}, Section {m.group(1)}"
        return Node("section", m.group(1), citation, line, "", m.group(2))
    raise SourceError(file, None, f"cannot read the heading {line!r}")


def place(body: list[Node], node: Node) -> Node | None:
    """Put a chapter, section or article where it belongs; return the current chapter."""
    chapter = next((n for n in reversed(body) if n.kind == "chapter"), None)
    if node.kind == "chapter":
        body.append(node)
        return node
    if chapter is None:
        body.append(node)
        return None
    container = chapter.children[-1] if chapter.children else None
    if node.kind == "article" and container is not None and container.kind == "section":
        container.children.append(node)
    else:
        chapter.children.append(node)
    return chapter


# ---------------------------------------------------------------- the API JSON (current text)


def current_body(law: Raw) -> list[Node]:
    body: list[Node] = []
    chapter = None
    for unit in as_list(law["조문"]["조문단위"]):
        if unit.get("조문여부") == "전문":
            chapter = place(body, heading_node(clean(unit["조문내용"]), chapter, CURRENT_FILE))
            continue
        branch = unit.get("조문가지번호") or ""
        number = f"{unit['조문번호']}-{branch}" if branch else unit["조문번호"]
        label = f"제{unit['조문번호']}조" + (f"의{branch}" if branch else "")
        title = clean(unit.get("조문제목"))
        content = clean(unit.get("조문내용"))
        if not content.startswith(f"{label}({title})"):
            raise SourceError(
                CURRENT_FILE, f"Article {number}", "text does not open with its title"
            )
        own, notes = take_notes(content[len(f"{label}({title})") :])
        notes += [clean(n) for n in as_list(unit.get("조문참고자료"))]
        article = article_node(number, label, title, own, notes)
        for h in as_list(unit.get("항")):
            paragraph = None
            if clean(h.get("항번호")):
                text, pnotes = take_notes(h["항내용"])
                label_p = clean(h["항번호"])
                paragraph = paragraph_node(
                    article.citation,
                    label_p,
                    text.removeprefix(label_p).strip(),
                    pnotes,
                    CURRENT_FILE,
                )
                article.children.append(paragraph)
            elif clean(h.get("항내용")):
                raise SourceError(CURRENT_FILE, article.citation, "unnumbered paragraph with text")
            for ho in as_list(h.get("호")):
                text, snotes = take_notes(ho["호내용"])
                label_s = clean(ho["호번호"])
                sub = subparagraph_node(
                    sub_base(article, paragraph),
                    label_s,
                    text.removeprefix(label_s).strip(),
                    snotes,
                    CURRENT_FILE,
                )
                for index, mok in enumerate(as_list(ho.get("목"))):
                    text, inotes = take_notes(mok["목내용"])
                    label_i = clean(mok["목번호"])
                    sub.children.append(
                        item_node(
                            sub.citation,
                            index,
                            label_i,
                            text.removeprefix(label_i).strip(),
                            inotes,
                            CURRENT_FILE,
                        )
                    )
                (paragraph or article).children.append(sub)
        chapter = place(body, article)
    return body


# ---------------------------------------------------------------- legalize-kr Markdown (36053)

MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")


def front_matter(text: str) -> tuple[dict[str, str], list[str], list[str]]:
    """(scalar fields, attachment titles, body lines) of legalize-kr's Markdown."""
    lines = text.split("\n")
    if lines[0] != "---" or "---" not in lines[1:]:
        raise SourceError(ENACTED_FILE, None, "no YAML front matter")
    end = lines.index("---", 1)
    fields = {}
    for line in lines[1:end]:
        if m := re.fullmatch(r"(\S+): '?([^']*)'?", line):
            fields[m.group(1)] = m.group(2)
    titles = [m.group(1) for line in lines[1:end] if (m := re.fullmatch(r"\s+제목: (.*)", line))]
    return fields, titles, lines[end + 1 :]


def enacted_body(lines: list[str]) -> tuple[list[Node], list[str]]:
    """The chapters, sections and articles of the Markdown, and its addenda lines."""
    body: list[Node] = []
    chapter = article = paragraph = sub = None
    for index, raw in enumerate(lines):
        line = clean(MD_ESCAPE.sub(r"\1", raw))
        if not line or re.fullmatch(r"# .*", line):
            continue
        if line == "## 부칙":
            addenda = [clean(MD_ESCAPE.sub(r"\1", x)) for x in lines[index + 1 :]]
            return body, [x for x in addenda if x]
        if m := re.fullmatch(r"#{2,3} (.*)", line):
            chapter = place(body, heading_node(m.group(1), chapter, ENACTED_FILE))
            continue
        if m := re.fullmatch(r"##### (제(\d+)조(?:의(\d+))?) \((.*)\)", line):
            number = f"{m.group(2)}-{m.group(3)}" if m.group(3) else m.group(2)
            article = article_node(number, m.group(1), m.group(4), "", [])
            paragraph = sub = None
            chapter = place(body, article)
            continue
        if article is None:
            raise SourceError(ENACTED_FILE, None, f"text before the first article: {line[:40]!r}")
        if m := re.fullmatch(r"\*\*(.)\*\* (.*)", line):
            paragraph, sub = paragraph_node(article.citation, *m.groups(), [], ENACTED_FILE), None
            article.children.append(paragraph)
        elif m := re.fullmatch(r"(\d+(?:의\d+)?\.) (.*)", line):
            sub = subparagraph_node(sub_base(article, paragraph), *m.groups(), [], ENACTED_FILE)
            (paragraph or article).children.append(sub)
        elif (m := re.fullmatch(r"([가-하]\.) (.*)", line)) and sub is not None:
            sub.children.append(
                item_node(sub.citation, len(sub.children), *m.groups(), [], ENACTED_FILE)
            )
        elif not article.own and not article.children:
            article.own = line
        else:
            raise SourceError(ENACTED_FILE, article.citation, f"cannot place {line[:40]!r}")
    raise SourceError(ENACTED_FILE, None, "no addenda (## 부칙)")


# ---------------------------------------------------------------- the three decrees


@dataclass(frozen=True)
class Decree:
    number: str
    promulgated: datetime.date
    effective: datetime.date
    file: str
    changed_by: str
    addenda_lines: tuple[str, ...]

    @property
    def stamp(self) -> str:
        """How the consolidation's notes date this decree: '2026.7.20'."""
        d = self.promulgated
        return f"{d.year}.{d.month}.{d.day}"


def decrees(law: Raw) -> list[Decree]:
    """The decrees whose addenda the current text carries, in order, each with the date its
    addenda say it enters into force."""
    found = []
    for unit in as_list(law["부칙"]["부칙단위"]):
        number, day = unit["부칙공포번호"], unit["부칙공포일자"]
        lines = [clean(x) for block in as_list(unit["부칙내용"]) for x in block if x.strip()]
        m = re.search(r"이 영은 (\d{4})년 (\d{1,2})월 (\d{1,2})일부터 시행한다", "\n".join(lines))
        if not m:
            raise SourceError(CURRENT_FILE, f"부칙 {number}", "no date of entry into force")
        promulgated = datetime.date(int(day[:4]), int(day[4:6]), int(day[6:]))
        effective = datetime.date(*(int(g) for g in m.groups()))
        amending = re.match(r"부칙\((.*)\) <", lines[0])
        changed_by = (
            f"Presidential Decree No. {number} ({promulgated.isoformat()}"
            + (f", {amending.group(1)}" if amending else "")
            + f"), effective {effective.isoformat()}"
        )
        found.append(
            Decree(
                number,
                promulgated,
                effective,
                # The first decree's words come from the Markdown, the others' from the JSON.
                ENACTED_FILE if not found else CURRENT_FILE,
                changed_by,
                tuple(lines),
            )
        )
    if len(found) != 3 or [d.effective for d in found] != sorted(d.effective for d in found):
        raise SourceError(CURRENT_FILE, None, "expected the addenda of three decrees, in order")
    return found


def addenda_nodes(decree: Decree) -> Node:
    """One decree's addenda; split into articles (and their paragraphs) when every line opens an
    article or a paragraph, as the Act's addenda are; otherwise one block."""
    citation = f"Addenda (Presidential Decree No. {decree.number})"
    head, *lines = decree.addenda_lines
    node = Node("addenda", decree.number, citation, head, "\n".join(lines))
    articles: list[Node] = []
    for line in lines:
        if m := re.fullmatch(r"제(\d+)조\(([^)]*)\) ?(.*)", line):
            articles.append(
                Node(
                    "addenda_article",
                    m.group(1),
                    f"{citation}, Article {m.group(1)}",
                    f"제{m.group(1)}조",
                    m.group(3),
                    m.group(2),
                )
            )
        elif line[:1] in CIRCLED and articles:
            articles[-1].children.append(
                paragraph_node(articles[-1].citation, line[0], line[1:].strip(), [], decree.file)
            )
        else:
            return node
    for article in articles:
        if article.own[:1] in CIRCLED:
            first = paragraph_node(
                article.citation, article.own[0], article.own[1:].strip(), [], decree.file
            )
            article.own, article.children = "", [first, *article.children]
    node.children = articles
    return node


def addenda_units(upto: list[Decree]) -> dict[str, Unit]:
    group = Node("addenda_group", "", "Addenda", "", "", "부칙")
    group.children = [addenda_nodes(d) for d in upto]
    return flatten([group])


def undo(body: list[Node], amendment: list[str]) -> list[Node]:
    """The body before an amending decree, from its words:
    '제2조제2호나목 중 "A"을 "B"으로 한다.'"""
    words = "\n".join(amendment)
    m = re.search(r"제(\d+)조제(\d+)호([가-하])목 중 \"(.+?)\"을 \"(.+?)\"으로 한다", words)
    if not m:
        raise SourceError(CURRENT_FILE, "개정문", "cannot read the amendment")
    article, sub, letter, before, after = m.groups()
    target = f"Article {article}, subparagraph {sub}({EN_LETTERS[KO_LETTERS.index(letter)]})"
    earlier = copy.deepcopy(body)

    def walk(nodes: list[Node]) -> int:
        hits = 0
        for node in nodes:
            if node.citation == target:
                if node.own.count(after) != 1:
                    raise SourceError(CURRENT_FILE, target, f"{after!r} is not in its text once")
                node.own = node.own.replace(after, before)
                hits += 1
            hits += walk(node.children)
        return hits

    if walk(earlier) != 1:
        raise SourceError(CURRENT_FILE, target, "the amended provision is not in the text")
    return earlier


# ---------------------------------------------------------------- annexes (별표, 별지 서식)


def annex_units(law: Raw, enacted_titles: list[str]) -> dict[str, Unit]:
    """별표 1–2 and the 별지 서식, their lines verbatim (a layout, not running text). The 36053
    file has them only as links: their titles must be the ones it lists."""
    units = {}
    for unit in as_list(law.get("별표", {}).get("별표단위")):
        title = clean(unit["별표제목"])
        lines = [line for block in as_list(unit["별표내용"]) for line in block]
        if unit["별표구분"] == "서식":
            kind, number, citation, label = "form", "", "Form", "별지 서식"
        else:
            kind, number = "annex", str(int(unit["별표번호"]))
            citation, label = f"Annex {number}", f"별표 {number}"
        if not lines or f"[{label}]" not in lines[0]:
            raise SourceError(CURRENT_FILE, citation, f"does not open with [{label}]")
        if title not in enacted_titles:
            raise SourceError(ENACTED_FILE, citation, f"lists no attachment titled {title!r}")
        notes = tuple(clean(x) for x in lines if re.match(r"\s*\[시행일:", x))
        units[citation] = Unit(kind, number, label, title, "\n".join(lines), None, notes)
    return units


# ---------------------------------------------------------------- both files together


@dataclass(frozen=True)
class DecreeTexts:
    """The decrees in order, each decree's text as {citation: Unit} (body and the addenda so
    far), the annexes, and what the files say about themselves."""

    decrees: list[Decree]
    versions: list[dict[str, Unit]]
    annexes: dict[str, Unit]
    info: Raw
    law_key: str
    enacted_fields: dict[str, str]


def read_text(sources_dir: Path, name: str) -> str:
    try:
        return (sources_dir / name).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SourceError(name, None, f"not found in {sources_dir}") from exc


def read_decree(sources_dir: Path) -> DecreeTexts:
    """Both files, checked against each other: the Markdown must be No. 36053 with the API's
    addenda of No. 36053, the JSON the text of the last decree."""
    try:
        law = json.loads(read_text(sources_dir, CURRENT_FILE))["법령"]
    except (json.JSONDecodeError, KeyError) as exc:
        raise SourceError(CURRENT_FILE, None, f"not the API's 법령 JSON ({exc})") from exc
    fields, titles, md_lines = front_matter(read_text(sources_dir, ENACTED_FILE))
    info = law["기본정보"]
    ds = decrees(law)
    if (fields.get("공포번호"), fields.get("시행일자")) != (
        ds[0].number,
        ds[0].effective.isoformat(),
    ):
        raise SourceError(ENACTED_FILE, None, f"is not Presidential Decree No. {ds[0].number}")
    if (info["공포번호"], info["시행일자"]) != (ds[-1].number, ds[-1].effective.strftime("%Y%m%d")):
        raise SourceError(CURRENT_FILE, None, f"is not the text of No. {ds[-1].number}")
    enacted, enacted_addenda = enacted_body(md_lines)
    if enacted_addenda != list(ds[0].addenda_lines):
        raise SourceError(ENACTED_FILE, "부칙", f"differs from the API's addenda of {ds[0].number}")
    current = current_body(law)
    amendment = [x for block in as_list(law["개정문"]["개정문내용"]) for x in block]
    bodies = [enacted, undo(current, amendment), current]
    return DecreeTexts(
        decrees=ds,
        versions=[
            {**flatten(body), **addenda_units(ds[: index + 1])} for index, body in enumerate(bodies)
        ],
        annexes=annex_units(law, titles),
        info=info,
        law_key=law["법령키"],
        enacted_fields=fields,
    )
