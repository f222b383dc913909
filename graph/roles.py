"""Decide, clause by clause, what part an agency the text names plays in a reform.

Roles (ontology: rkg:PublisherRole, rkg:LeadRole, rkg:CoActorRole, rkg:ImplementerRole):

- publisher: the report's own bureau, the default actor of every reform (from the metadata);
- co-actor: named after 联合, 会同, 协同, 配合 or 与, before 配合, or before 联合/共同 alone or in a list
  (联合市检察院印发…, 会同省财政厅…, 省残联配合…, 与省人民检察院建立…, 县民政局、县财政局联合印发…);
- lead: named before 牵头, or between 由 and 牵头;
- implementer: any other agency a clause names as doing something or as given duties
  (税务、财政等部门及时确认…; 公安机关立案侦查…; 明确民政…等部门职能职责).

No role at all for an agency that only issued a document the reform cites (its issuers are linked to
the document; those that issue the reform's own document together with it act in it), that approved something (经市政府同意), or that receives something (移交其他相关部门,
审批权下放到区级政府): the text says they were acted upon, not that they acted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .citations import Citation
from .mentions import Mention
from .segment import Span

_CJK = r"\u4e00-\u9fff"
_CO = re.compile(rf"(?:联合|会同|协同|配合|与)(?:[{_CJK}]{{2,14}}、)*$")
_LEAD_BEFORE = re.compile(r"由(?:[\u4e00-\u9fff]{2,14}、)*$")
# 县民政局、县财政局联合印发《…》: bodies that issue the reform's own document together act in it.
_JOINTLY = re.compile(rf"(?:[、和与及][{_CJK}]{{2,14}}?)*(?:联合|共同)")
_APPROVER_BEFORE = re.compile(r"经$")
_APPROVER_AFTER = re.compile(r"^(?:同意|批准|审定|审议)")
_RECIPIENT_BEFORE = re.compile(
    r"(?:移交|移交给|移送|交由|交给|下放到|下放给|下放至|报送|报请|提请|转交|转介|推送|报|向|给)"
    rf"(?:[{_CJK}]{{2,14}}、)*$"
)


@dataclass(frozen=True)
class Role:
    agency: Mention
    role: str
    """publisher | lead | co-actor | implementer"""
    evidence: Span
    """The clause that names the agency in this role."""


def roles(text: str, clauses: list[Span], agencies: list[Mention], citations: list[Citation]) -> list[Role]:
    """The roles of the agencies named in `clauses` (one section's clauses, in order)."""
    inside_titles = [c.document.span for c in citations]
    title_issuers = {
        (i.span.start, i.span.end)
        for c in citations for i in c.issuers
        if c.clause is not None and not _CO.search(text[c.clause.start : i.span.start])
        and not (c.relation == "issues" and _JOINTLY.match(text, i.span.end))
    }
    found = []
    for clause in clauses:
        for mention in agencies:
            if not (clause.start <= mention.span.start and mention.span.end <= clause.end):
                continue
            if any(t.start <= mention.span.start < t.end for t in inside_titles):
                continue
            if (mention.span.start, mention.span.end) in title_issuers:
                continue
            role = role_of(text, clause, mention)
            if role is not None:
                found.append(Role(mention, role, clause))
    return found


def role_of(text: str, clause: Span, mention: Mention) -> str | None:
    before = text[clause.start : mention.span.start]
    after = text[mention.span.end : clause.end]
    if _APPROVER_BEFORE.search(before) and _APPROVER_AFTER.match(after):
        return None
    if _RECIPIENT_BEFORE.search(before):
        return None
    if _CO.search(before):
        return "co-actor"
    if after.startswith("牵头") or (_LEAD_BEFORE.search(before) and "牵头" in after):
        return "lead"
    if after.startswith(("配合", "协同")) or _JOINTLY.match(after):
        return "co-actor"
    return "implementer"
