"""Cited documents (《…》): the issuers the text names and how the citing clause relates to each
document (implements, issues, revises, drafts, or only cites)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .curated import Curation, Entity
from .mentions import _CJK, Mention, slug_for
from .segment import Span, clause_start

_DOC = re.compile(r"《([^《》]+)》")

_ISSUER_SUFFIX = re.compile(rf"[{_CJK}]{{2,14}}(?:办公厅|委员会|人民政府|政府|部|局|院|厅|委|署|办)$")

_TITLE_ISSUERS = re.compile(rf"^((?:[{_CJK}]{{2,14}}[\s、]+)*[{_CJK}]{{2,14}})关于")


# How a reform relates to a document it cites, from the verb of the citing clause: the last of these
# before the 《 wins (深入贯彻中共中央办公厅、国务院办公厅《…》 implements; 修订出台《…》 revises).
_RELATION_VERBS = (
    ("贯彻落实", "implements"), ("贯彻", "implements"), ("落实", "implements"), ("执行", "implements"),
    ("依据", "implements"), ("根据", "implements"), ("按照", "implements"),
    ("修订出台", "revises"), ("修订", "revises"), ("修改", "revises"),
    ("印发", "issues"), ("出台", "issues"), ("发布", "issues"), ("颁布", "issues"),
    ("制定", "drafts"), ("编制", "drafts"), ("起草", "drafts"), ("制订", "drafts"),
)


@dataclass(frozen=True)
class Citation:
    """One 《…》 citation: the document's title span, the agencies the text names as its issuers and
    how the citing clause relates to it (implements, issues, revises, drafts, or just cites)."""

    document: Mention
    issuers: tuple[Mention, ...]
    relation: str = "cites"
    clause: Span | None = None
    """The words that state the relation and the issuers: from the clause start to the 》."""


def citations(text: str, within: Span, curation: Curation, publisher: Entity,
              own_title: str = "", agencies: list[Mention] = ()) -> list[Citation]:
    """Every 《…》 in the range with the issuers the text names and the citing verb's relation.

    An issuer is stated only where the text names one: in the title (民政部 国家乡村振兴局关于…),
    listed right before it (中共中央办公厅、国务院办公厅《…》), as the subject of the issuing verb
    (国务院办公厅印发的《…》, 县民政局、县财政局联合印发《…》, 推动省人大常委会修订《…》) or as a co-issuer
    (联合市检察院印发《…》, 会同省财政厅印发《…》: the reporting bureau, only implied, is not stated).
    制定《…》 alone names no issuer. `agencies` are the agency mentions found in the text.
    The report's own title in 《》 is not a citation.
    The report's own title in 《》 is not a citation.
    """
    result = []
    previous_end = -1
    previous_relation = "cites"
    for m in _DOC.finditer(text, within.start, within.end):
        title = m.group(1)
        if own_title and title == own_title:
            continue
        slug, entity = slug_for("document", title, curation)
        document = Mention("document", slug, title, Span(m.start(1), m.end(1)), entity)
        issuers: list[Mention] = []
        before_start = max(within.start, m.start() - 40)
        before = text[before_start : m.start()]
        chained = m.start() == previous_end
        opening = clause_start(text, m.start(), within.start)
        relation = previous_relation if chained else _relation(text[opening : m.start()])
        # Issuers written in the title: 民政部 国家乡村振兴局关于…
        lead = _TITLE_ISSUERS.match(title)
        if lead:
            offset = m.start(1)
            for name in re.split(r"[\s、]+", lead.group(1)):
                start = text.index(name, offset)
                offset = start + len(name)
                issuers.append(_agency(name, Span(start, offset), curation))
        # Agencies the clause names as issuing it: a chain of names ending right before the issuing
        # verb (印发, 联合印发的, 修订 …) or the 《 itself.
        chain = [] if lead else _issuing_chain(text, opening, m.start(), agencies)
        co_issued = bool(chain) and bool(_CO_BEFORE.search(text[opening : chain[0].span.start]))
        if co_issued and not _ISSUING_GAP_VERB.search(text[chain[-1].span.end : m.start()]):
            chain, co_issued = [], False  # 联合市卫生健康委建成…: acting together, not issuing
        # 联合X印发 names X; the reporting bureau is only implied, so it is not stated as an issuer
        # (the measure that issues the document is the bureau's, through its publisher role).
        issuers.extend(chain)
        # Issuers written just before it that no pattern knows as agencies: …办公厅、…委员会《…》
        listed = re.search(rf"((?:[{_CJK}]+、)*[{_CJK}]+)$", before)
        if listed and not lead and not chain:
            offset = before_start + listed.start(1)
            for name in listed.group(1).split("、"):
                candidate = _strip_verb(name)
                if _ISSUER_SUFFIX.search(candidate):
                    start = offset + len(name) - len(candidate)
                    issuers.append(_agency(candidate, Span(start, start + len(candidate)), curation))
                offset += len(name) + 1
        issuers = list({(i.slug): i for i in issuers}.values())
        result.append(Citation(document, tuple(issuers), relation, Span(opening, m.end())))
        previous_end, previous_relation = m.end(), relation
    return result

_CO_BEFORE = re.compile(r"(?:联合|会同|协同)$")

_ISSUING_GAP = re.compile(r"^(?:[、\s和]|等\d*个?部门)*(?:联合|共同)?(?:印发|出台|发布|修订|制定|制订|颁布)?的?$")

_ISSUING_GAP_VERB = re.compile(r"(?:印发|出台|发布|修订|制定|制订|颁布)的?$")


def _issuing_chain(text: str, opening: int, bracket: int, agencies: list[Mention]) -> list[Mention]:
    """The agencies that issue the document whose 《 is at `bracket`: the names right before it,
    joined by 、 and followed only by an issuing verb (国务院办公厅印发的《, 退役军人事务部等12部门联合印发的《)."""
    before = sorted((a for a in agencies if opening <= a.span.start and a.span.end <= bracket),
                    key=lambda a: a.span.start)
    chain: list[Mention] = []
    position = bracket
    for agency in reversed(before):
        gap = text[agency.span.end : position]
        if (not chain and _ISSUING_GAP.match(gap)) or (chain and re.fullmatch(r"[、\s和]", gap)):
            chain.insert(0, agency)
            position = agency.span.start
        else:
            break
    return chain


def _relation(before: str) -> str:
    """The relation the citing clause's last verb states, or cites when it has none; of verbs that
    end at the same place the longest wins (修订出台 revises, though it ends in 出台)."""
    best, key = "cites", (-1, 0)
    for verb, relation in _RELATION_VERBS:
        for m in re.finditer(verb, before):
            i = m.start()
            if before[m.end() : m.end() + 1] == "的":
                continue  # 贯彻国务院办公厅印发的《…》: 印发的 says what the issuer did, not the reform
            if (i + len(verb), len(verb)) > key:
                best, key = relation, (i + len(verb), len(verb))
    return best


def _strip_verb(name: str) -> str:
    """深入贯彻中共中央办公厅 → 中共中央办公厅: drop the verb phrase glued to a listed issuer."""
    for verb in ("深入贯彻落实", "深入贯彻", "贯彻落实", "贯彻", "落实", "根据", "按照", "依据"):
        if verb in name:
            return name[name.rindex(verb) + len(verb) :]
    return name


def _agency(name: str, span: Span, curation: Curation) -> Mention:
    slug, entity = slug_for("agency", name, curation)
    return Mention("agency", slug, name, span, entity)
