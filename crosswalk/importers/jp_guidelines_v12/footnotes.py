"""Footnotes: the bodies pdftotext left at each page foot, and the calls glued to the words."""

from __future__ import annotations

import re

from crosswalk.importers.jp_guidelines_v12.pieces import Call, Line, ParseError

# Footnote bodies, in order: (first line starts with, last line ends with) for each stretch of
# lines. The source lost the bodies' numbers (number-only lines were dropped), so each body is
# numbered by its place in this list, which follows the page order of the calls 1-58. Body 40
# runs on to the next page. Bodies 49 and 50 share a page foot: 49 is "詳細は…" with the
# ministers' meeting page (as Ver1.1's footnote 39), 50 the document URL after it.
FOOTNOTE_BODIES: list[list[tuple[str, str]]] = [
    [("https://www8.cao.go.jp/cstp/ai/ai_act/", "ai_act.html")],
    [("同年 12 月に、同法第 13 条に基づき", "ai_guideline/ai_guideline.html")],
    [("政府は様々な業務への生成 AI の利活用促進", "standard_guidelines#ds920")],
    [("自治体向けの AI の利用方法や利用上の留意", "main_content/000820109.pdf")],
    [("総務省の AI ネットワーク社会推進会議と", "ai_shakai_jisso/index.html")],
    [("消費者を支援することに活用できる AI", "digital_technology_houkoku.pdf")],
    [("AI 提供者又は AI 利用者が政府・自治体等", "別の考えが必要になる可能性がある。")],
    [("一般的には、AI 開発者は API 仕様策定", "これらに限定されるものではない。")],
    [("業務外利用者は、AI 利用者の指示及び注意に", "可能性があることを留意する必要がある。")],
    [("事業執行責任者は、政府・自治体等の公的機関", "公的機関の事業執行責任者も含む。")],
    [("2023 年 5 月の G7 広島サミットの結果", "https://transparency.oecd.ai/reports")],
    [("人間中心の考え方に立ち、｢責任ある AI｣", "gpai-tokyo-esc/agenticAI/")],
    [("2023 年 11 月、英国では、高度な AI", "https://aisi.go.jp/")],
    [("例えば、AI の信頼性・安全性確保に向けた", "研究開発が進められている。")],
    [("2025 年 2 月 4 日に、AI 戦略会議", "ai/interim_report.pdf")],
    [("大規模言語モデルに代表される基盤モデルは", "従来の AI とは異なる性質を持つ。")],
    [("事後学習（Post-training）とは", "データの追加による再学習などがある。")],
    [("AI エージェントよりも包括的かつ進化的な", "目標主導型の AI システムである。")],
    [("自律については、高度な自律状態だけを", "ある程度の自律性を持つものも含む。")],
    [("下線部は、後段の「C.共通の指針」として", "整理されるものである。")],
    [("ステークホルダー：AI 開発者、AI 提供者", "可能性がある全ての主体（以降同様）")],
    [("事業の地理的な展開状況、開発された AI", "することにも留意すべきである。")],
    [("人間の判断や意思決定において、自動化された", "過度の信頼や依存が生じる現象を指す。")],
    [("必要な対策としては、AI による評価、判断", "承認すべきこと等が提案されている。")],
    [("「フィルターバブル」とは、アルゴリズムが", "可能とするという便益もある。")],
    [("インターネット上の偽・誤情報の流通・拡散", "d_syohi/taisakugijutsu.html）")],
    [("RAG（検索拡張生成）の活用等により", "根拠の透明性向上等が期待されている。")],
    [("関連するステークホルダー：AI 開発者、AI", "同様）")],
    [("なお、RAG（検索拡張生成）を活用した場合", "場合もあることに留意が必要である。")],
    [("人間の判断を介在させるための工夫としては", "ユーザーインタフェースの改善等があげられる。")],
    [("なお、プログラムコードを生成する AI", "セキュリティ面への配慮が重要となる。")],
    [("知的財産関連法令との関係については内閣府", "例等を整理している。")],
    [("AI 提供者・AI 利用者においてもファイン", "安全性の担保に努めることが重要となる。")],
    [("文化庁「AI と著作権に関する考え方について", "権利者の懸念として挙げられている。")],
    [("「バイアス」という言葉には例えば以下の通り", "バイアスがある旨が説明されている。")],
    [("大規模言語モデルを始めとする生成 AI では", "学習を行わせることが可能である。")],
    [("必要な対策については、前掲脚注 24 を参照。", "前掲脚注 24 を参照。")],
    [("潜在的なバイアスの例として、人種や性別等", "場合（交差バイアス）などがある。")],
    [("個人情報保護法については、個人情報保護委員会", "01-1_seidokaiseihousin.pdf）")],
    [
        ("OECD, Recommendation of the Council", "日本も 2022 年 4 月に参加し、"),
        ("Global CBPR Framework を公表している。", "（2023 年 10 月）も参照。"),
    ],
    [("総務省のサイバーセキュリティタスクフォース", "cybersecurity_taskforce/index.html")],
    [("詳細な手法については、 英国サイバー", "cstp/stmain/20231128ai.html")],
    [("透明性については、諸外国でも様々な定義", "異なることにも留意する。")],
    [("アカウンタビリティを説明可能性と定義する", "前提条件の整備に関する概念とする。")],
    [("特に、学習データ等の権利者や AI の評価", "を取ることが求められる。")],
    [("「文書化」については、後から容易に確認可能", "形式による必要はない。")],
    [("経済産業省・IPA は、個人の学習及び企業", "special/generativeai/")],
    [("厚生労働省の雇用政策研究会にて", "0000204414_00017.html")],
    [("詳細は、G7 デジタル・技術大臣会合", "01tsushin06_02000283.html")],
    [("https://www.soumu.go.jp/main_content/000912746.pdf", "000912746.pdf")],
    [("別添（付属資料）において、AI ガバナンス", "記載しているため、ご参照のこと。")],
    [("AI ガバナンス・ゴールとして、本ガイドライン", "る。")],
    [("例えば、AI の信頼性・安全性確保に向けた", "研究開発が進められている。")],
    [("AI の開発等にあたり、AI の信頼性を向上", "oecd.ai/en/catalogue/overview")],
    [("IPA 「AI（Artificial Intelligence）の推進」", "る。")],
    [("広島 AI プロセスに関する G7 首脳声明", "hiroshimaaiprocess/pdf/document05.pdf")],
    [("広島プロセス国際行動規範 「報告枠組み」", "https://transparency.oecd.ai/reports")],
    [("総務省 広島 AI プロセス 報告枠組み", "hiroshimaaiprocess/report.html")],
]
# A footnote call: numbers glued to the character before them, which is not ASCII and does not
# open a quoted heading ("「1）"), a formula ("θ0") or an ordinal ("第1部"), and not followed by a
# space ("、3 つ"). Only the next number(s) expected count: calls come in order 1, 2, … 58.
CALL = re.compile(r"(?<=[^\x00-\x7f])(?<![（「『｢(①-⑳θ第])([0-9]{1,2}(?:,[0-9]{1,2})*)(?![0-9 ])")


def find_footnote_bodies(lines: list[Line], first: int) -> dict[int, str]:
    """Map line index -> footnote number for every line of every footnote body."""
    owner: dict[int, str] = {}
    cursor = first
    for number, stretches in enumerate(FOOTNOTE_BODIES, start=1):
        for head, tail in stretches:
            start = next(
                (i for i in range(cursor, len(lines)) if lines[i].text.startswith(head)), None
            )
            if start is None:
                raise ParseError(f"footnote {number}: no line starts with {head!r}")
            end = next((i for i in range(start, len(lines)) if lines[i].text.endswith(tail)), None)
            if end is None:
                raise ParseError(f"footnote {number}: no line after {head!r} ends with {tail!r}")
            for i in range(start, end + 1):
                if lines[i].text.strip():
                    owner[i] = str(number)
            cursor = end + 1
    return owner


def cut_calls(lines: list[Line], skip: set[int]) -> None:
    """Find the footnote calls 1, 2, … in order in the running text and cut them out."""
    expected = 1
    for line in lines:
        if line.index in skip or not line.text:
            continue
        segments, calls, at = [], [], 0
        for match in CALL.finditer(line.text):
            numbers = match.group(1).split(",")
            wanted = [str(expected + i) for i in range(len(numbers))]
            if numbers != wanted:
                continue
            expected += len(numbers)
            digits, separators, column = [], [], match.start(1)
            for n in numbers:
                digits.append([line.start + column + i for i in range(len(n))])
                column += len(n)
                if column < match.end(1):
                    separators.append(line.start + column)
                    column += 1
            calls.append(Call(numbers, digits, separators))
            segments.append((line.text[at : match.start(1)], line.start + at))
            at = match.end(1)
        if calls:
            segments.append((line.text[at:], line.start + at))
            line.segments = [(text, start) for text, start in segments if text]
            line.calls = calls
    if expected != len(FOOTNOTE_BODIES) + 1:
        raise ParseError(f"found footnote calls 1 to {expected - 1} only")
