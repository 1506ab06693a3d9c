"""Korea's Enforcement Decree of the AI Framework Act: Korean only, three decrees' texts.

Presidential Decree No. 36053 as enacted (in force 2026-01-22), amended by No. 36506 (2026-07-21)
and No. 36580 (2026-08-20), read by `kr_decree_sources`. Each provision gets one dated text per
decree whose words differ from the previous decree's; every such change must stand under the
consolidation's own note of that decree (<개정 2026.7.20>, [본조신설 2026.7.20] ...), kept
verbatim in `extra["notes_ko"]` as the Act importer keeps its notes. There is no English: each
dated text says so in its translation note. Each article links (`implements`) to every Act
provision its own words cite ("법 제31조제1항"), while the words citing it were in force.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from crosswalk.importers import kr_ai_act
from crosswalk.importers.common import (
    Raw,
    SourceError,
    assemble,
    assign_eids,
    dated_text,
    instrument_record,
    instrument_version,
    merge_order,
    norm_number,
    provision,
    read_source,
    reference,
    source_record,
)
from crosswalk.importers.kr_decree_sources import (
    ACT_NAME,
    CURRENT_FILE,
    ENACTED_FILE,
    Decree,
    DecreeTexts,
    Unit,
    read_decree,
)

SLUG = "kr-ai-framework-act-decree"
NO_ENGLISH = (
    "No English translation of the Enforcement Decree was found: the Korean text is the only one."
)
PREFIX = {
    "chapter": "chp",
    "section": "sec",
    "article": "art",
    "paragraph": "para",
    "subparagraph": "subpara",
    "item": "item",
    "addenda_article": "art",
}

# ---------------------------------------------------------------- references to the Act

ACT_CITATION = re.compile(
    # "법 제31조제1항", but not "같은 법 제11조" or "「방위사업법」 제3조" (other statutes);
    # the full title, with or without its definition of "법", names the Act too.
    rf"(?:(?<![\w」])(?<!같은 )법|「{ACT_NAME}」(?:\(이하 \"법\"이라 한다\))?)"
    r" ?제(\d+)조(?:의(\d+))?(?:제\d+항)?(?:제\d+호)?(?:[가-힣]목)?"
    rf"|법률 제(\d+)호 {ACT_NAME} 부칙 제(\d+)조"
)


def act_citations(text: str) -> list[tuple[str, str]]:
    """(eid in the Act, the words citing it) for each citation of the Act in `text`, in order:
    "법 제17조의2제1항" -> ("art_17-2", "법 제17조의2제1항"); "법률 제20676호 … 기본법 부칙 제3조"
    -> ("addenda__act_20676__art_3", ...). Paragraph, subparagraph and item stay in the words."""
    found = []
    for m in ACT_CITATION.finditer(text):
        article, branch, act, addenda_article = m.groups()
        if act:
            eid = f"addenda__act_{act}__art_{addenda_article}"
        else:
            eid = f"art_{norm_number(f'{article}-{branch}' if branch else article)}"
        found.append((eid, m.group(0)))
    return found


# ---------------------------------------------------------------- checks, dates, references


def check_changes_are_noted(versions: list[dict[str, Unit]], ds: list[Decree]) -> None:
    """Every change from one decree's text to the next must stand under a note of that decree
    (on the provision, an ancestor or a descendant), and every note on a provision itself must
    mark a change of its words."""
    current = versions[-1]

    def ancestors(citation: str) -> set[str]:
        found, node = set(), current[citation].parent
        while node:
            found.add(node)
            node = current[node].parent
        return found

    family = {c: ancestors(c) | {c} for c in current}
    for c in current:
        for above in ancestors(c):
            family[above].add(c)
    for index in range(1, len(versions)):
        stamp = ds[index].stamp
        for citation, unit in versions[index].items():
            if unit.kind in {"addenda_group", "addenda", "addenda_article", "annex", "form"}:
                continue
            before = versions[index - 1].get(citation)
            changed = before is None or (before.heading_original, before.text) != (
                unit.heading_original,
                unit.text,
            )
            on_itself = any(stamp in note for note in current[citation].notes)
            noted = any(stamp in n for c in family[citation] for n in current[c].notes)
            if changed and not noted:
                raise SourceError(
                    CURRENT_FILE,
                    citation,
                    f"changed by No. {ds[index].number} without a note of it",
                )
            if on_itself and not changed:
                raise SourceError(
                    CURRENT_FILE,
                    citation,
                    f"noted {stamp} but its words are those of No. {ds[index - 1].number}",
                )


def dated_text_of(unit: Unit, decree: Decree, source_file: str) -> Raw:
    return dated_text(
        valid_from=decree.effective,
        valid_until=None,
        heading="",
        text="",
        heading_original=unit.heading_original,
        text_original=unit.text,
        original_language="ko",
        changed_by=decree.changed_by,
        source_file=source_file,
        translation_note=NO_ENGLISH,
    )


def dated_texts(citation: str, versions: list[dict[str, Unit]], ds: list[Decree]) -> list[Raw]:
    """One dated text per decree that changed the words; equal consecutive texts are one."""
    texts: list[Raw] = []
    for decree, units in zip(ds, versions, strict=True):
        unit = units.get(citation)
        if unit is None:
            if texts:
                raise SourceError(decree.file, citation, "disappears: repeal is not supported")
            continue
        if texts and (texts[-1]["heading_original"], texts[-1]["text_original"]) == (
            unit.heading_original,
            unit.text,
        ):
            continue
        if texts:
            texts[-1]["valid_until"] = (decree.effective - datetime.timedelta(days=1)).isoformat()
        texts.append(dated_text_of(unit, decree, decree.file))
    return texts


def implements(citation: str, texts: list[Raw], act_eids: list[str]) -> list[Raw]:
    """`implements` references to each Act provision the texts cite, each valid while the texts
    citing it were; the note quotes the citing words."""
    runs: list[dict[str, Any]] = []
    open_runs: dict[str, dict[str, Any]] = {}
    for t in texts:
        cited: dict[str, list[str]] = {}
        for eid, words in act_citations(t["text_original"]):
            if eid not in act_eids:
                raise SourceError(CURRENT_FILE, citation, f"cites {words!r}: no such Act provision")
            cited.setdefault(eid, []).append(words)
        for eid in [e for e in open_runs if e not in cited]:
            runs.append(open_runs.pop(eid))
        for eid, words in cited.items():
            run = open_runs.setdefault(eid, {"target": eid, "from": t["valid_from"], "words": []})
            run["until"] = t["valid_until"]
            run["words"] += [w for w in words if w not in run["words"]]
    runs += open_runs.values()
    runs.sort(key=lambda r: (act_eids.index(r["target"]), r["from"]))
    return [
        reference(
            type="implements",
            target=f"{kr_ai_act.SLUG}:{r['target']}",
            valid_from=datetime.date.fromisoformat(r["from"]),
            valid_until=datetime.date.fromisoformat(r["until"]) if r["until"] else None,
            note="; ".join(r["words"]),
        )
        for r in runs
    ]


def renumbered_from(citation: str, versions: list[dict[str, Unit]], ds: list[Decree]) -> Raw | None:
    """Where the words a provision has from a decree on stood before it, under another citation
    of the same parent (제13조③ became ④ when No. 36506 inserted a new ③)."""
    for index in range(1, len(versions)):
        unit, before = versions[index].get(citation), versions[index - 1]
        if unit is None or (citation in before and before[citation].text == unit.text):
            continue
        for other, old in before.items():
            same = (old.parent, old.kind, old.text) == (unit.parent, unit.kind, unit.text)
            if same and other != citation:
                last_day = ds[index].effective - datetime.timedelta(days=1)
                return {"citation": other, "until": last_day.isoformat()}
    return None


def segment(p: Raw) -> tuple[str, bool]:
    kind, number = p["kind"], p["number"]
    if kind == "addenda_group":
        return "addenda", True
    if kind == "addenda":
        return f"decree_{number}", False
    if kind == "form":
        return "form", True
    if kind == "annex":
        return f"annex_{number}", True
    return f"{PREFIX[kind]}_{norm_number(number)}", kind in {"chapter", "article"}


def english_label(kind: str, number: str) -> str:
    return {
        "chapter": f"Chapter {number}",
        "section": f"Section {number}",
        "article": f"Article {number}",
        "paragraph": f"({number})",
        "subparagraph": f"{number}.",
        "item": f"{number}.",
        "addenda_article": f"Article {number}",
        "annex": f"Annex {number}",
        "form": "Form",
    }.get(kind, "")


# ---------------------------------------------------------------- the instrument


def build(sources_dir: Path) -> Raw:
    decree = read_decree(sources_dir)
    ds, versions, annexes = decree.decrees, decree.versions, decree.annexes
    check_changes_are_noted(versions, ds)
    order = merge_order(merge_order(list(versions[0]), list(versions[1])), list(versions[2]))
    order += list(annexes)
    latest = {**versions[0], **versions[1], **versions[2], **annexes}
    rows = [
        {"ref": c, **{k: getattr(latest[c], k) for k in ("kind", "number", "parent")}}
        for c in order
    ]
    eids = assign_eids(CURRENT_FILE, rows, segment)
    act = read_source(sources_dir, kr_ai_act.FILE)
    act_eids = list(assign_eids(kr_ai_act.FILE, act["provisions"], kr_ai_act.segment).values())
    provisions = []
    for citation in order:
        unit = latest[citation]
        parents = {v[citation].parent for v in versions if citation in v}
        if len(parents) > 1:
            raise SourceError(CURRENT_FILE, citation, f"moves between parents {sorted(parents)}")
        extra: Raw = {"notes_ko": list(unit.notes)} if unit.notes else {}
        if citation in annexes:
            # Only the current file holds the annexes' words; no decree since No. 36053 has
            # amended them (their titles are those the No. 36053 file lists).
            texts = [dated_text_of(unit, ds[0], CURRENT_FILE)]
            extra["text_source"] = (
                f"As the current text ({CURRENT_FILE}) gives it; the No. {ds[0].number} file "
                "lists it by title only, and no later decree amended it."
            )
        else:
            texts = dated_texts(citation, versions, ds)
        if moved := renumbered_from(citation, versions, ds):
            extra["renumbered_from"] = moved
        application_note, application_dates = application_of(citation, unit, ds[0])
        provisions.append(
            provision(
                citation=citation,
                eid=eids[citation],
                kind=unit.kind,
                number=unit.number,
                label=english_label(unit.kind, unit.number),
                label_original=unit.label_original,
                parent=unit.parent,
                in_force_from=datetime.date.fromisoformat(texts[0]["valid_from"]),
                texts=texts,
                application_note=application_note,
                application_dates=application_dates,
                extra=extra,
                references=(
                    implements(citation, texts, act_eids)
                    if unit.kind in {"article", "addenda_article"}
                    else []
                ),
            )
        )
    return assemble(instrument(sources_dir, decree), provisions)


def application_of(citation: str, unit: Unit, enacted: Decree) -> tuple[str, list[Raw]]:
    """별표 1's part on digital medical devices applies from 2026-01-24 (부칙 제1조 단서)."""
    if not unit.notes or unit.kind != "annex":
        return "", []
    m = re.fullmatch(r"\[시행일: (\d{4})\. (\d{1,2})\. (\d{1,2})\.\] (.*)", unit.notes[0])
    if not m:
        raise SourceError(CURRENT_FILE, citation, f"cannot read the date note {unit.notes[0]!r}")
    later = datetime.date(*(int(g) for g in m.groups()[:3]))
    basis = f"Addenda (Presidential Decree No. {enacted.number}), Article 1"
    return (
        f"{m.group(4)} applies from {later.isoformat()} ({basis}).",
        [
            {"from": enacted.effective.isoformat(), "basis": basis, "scope": f"{citation}"},
            {"from": later.isoformat(), "basis": basis, "scope": m.group(4)},
        ],
    )


def instrument(sources_dir: Path, decree: DecreeTexts) -> Raw:
    info, ds = decree.info, decree.decrees
    enacted, *amending = ds
    versions = []
    for index, version in enumerate(ds):
        following = ds[index + 1] if index + 1 < len(ds) else None
        label = f"Presidential Decree No. {enacted.number}" + (
            " as enacted"
            if not index
            else " as amended by " + " and ".join(f"No. {d.number}" for d in ds[1 : index + 1])
        )
        versions.append(
            instrument_version(
                label=label,
                valid_from=version.effective,
                valid_until=following.effective - datetime.timedelta(days=1) if following else None,
                source_file=version.file,
            )
        )
    return instrument_record(
        slug=SLUG,
        title=(
            "Enforcement Decree of the Framework Act on the Development of Artificial "
            "Intelligence and the Creation of a Foundation for Trust"
        ),
        short_title="Korea AI Framework Act Enforcement Decree",
        title_original=info["법령명_한글"],
        original_language="ko",
        jurisdiction="KR",
        issuing_body=(
            "Government of the Republic of Korea (Presidential Decree; competent ministry: "
            f"{info['소관부처']['content']})"
        ),
        instrument_type="regulation",
        legal_force="binding",
        adopted_on=enacted.promulgated.isoformat(),
        in_force_from=enacted.effective.isoformat(),
        official_identifier=(
            f"Presidential Decree No. {enacted.number}, as amended by "
            + " and ".join(f"Presidential Decree No. {d.number}" for d in amending)
            + f"; law ID {info['법령ID']}"
        ),
        identifiers={
            "law_id": info["법령ID"],
            "law_key": decree.law_key,
            "decree_numbers": [d.number for d in ds],
            "abbreviation_ko": info["법령명약칭"],
            "ministry_ko": info["소관부처"]["content"],
            "legalize_kr_mst": decree.enacted_fields.get("법령MST", ""),
        },
        source_url="https://www.law.go.kr/"
        + quote("법령/인공지능발전과신뢰기반조성등에관한기본법시행령"),
        reuse_terms=(
            "Korean statutes and decrees are not protected by copyright (Copyright Act of Korea, "
            "Art. 7)."
        ),
        english_text_status=NO_ENGLISH,
        amended_by=[
            {
                "act": f"Presidential Decree No. {d.number}",
                "date": d.promulgated.isoformat(),
                "effective": d.effective.isoformat(),
            }
            for d in amending
        ],
        notes=(
            f"Korean only. No. {enacted.number} as enacted from {ENACTED_FILE}; the text as "
            f"amended from {CURRENT_FILE}, and No. {amending[0].number}'s text from it with No. "
            f"{amending[-1].number}'s one change (제2조제2호나목) undone. Each article links "
            "(implements) to the Act provisions its own words name. The English title is "
            "descriptive: no official English title was found."
        ),
        sources=[
            source_record(sources_dir, ENACTED_FILE),
            source_record(sources_dir, CURRENT_FILE),
        ],
        versions=versions,
    )
