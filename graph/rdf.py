"""Turn an extraction and the curation into quads, following ontology/MODEL.md.

The report graph holds only what the text says (zh labels, links, spans, values); the curation
graph holds the English labels, summaries and Wikidata links, so each can be traced to its source.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable

from pyoxigraph import Literal, NamedNode, Quad

from .curated import Curation, Entity
from .mentions import Mention, slug_for
from .places import names_origin
from .extract import Extraction
from .segment import Span
from reformkg.ontology.vocab import (
    DCTERMS, OA, ORG, OWL, PROV, QB, RDF, RDFS, RKG, SCHEMA, SDMX_ATTRIBUTE, SDMX_DIMENSION,
    SDMX_MEASURE, SKOS, TIME, WD, XSD, Iris, Schemes,
)


_CONTEXT = 16
_ENTITY_CLASSES = {
    "agency": (ORG.Organization,),
    "target-group": (SKOS.Concept,),
    "place": (DCTERMS.Location, SCHEMA.Place),
    "programme": (RKG.Programme,),
    "document": (RKG.PolicyDocument,),
}
_ADMINISTRATIVE = {"municipality", "province", "district", "county", "prefecture"}


def zh(text: str) -> Literal:
    return Literal(text, language="zh")


def en(text: str) -> Literal:
    return Literal(text, language="en")


def integer(n: int) -> Literal:
    return Literal(str(n), datatype=XSD.integer)


class _Graph:
    """Collects the triples of one named graph."""

    def __init__(self, name: NamedNode) -> None:
        self.name = name
        self.quads: list[Quad] = []

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        self.quads.append(Quad(s, p, o, self.name))


class ReportGraphs:
    """Writes one report's extracted graph and its share of the curation graph."""

    def __init__(self, x: Extraction, curation: Curation, schemes: Schemes, iris: Iris) -> None:
        self.x, self.curation, self.schemes, self.iris = x, curation, schemes, iris
        self.rid = x.source.id
        self.g = _Graph(iris.graph(f"report/{self.rid}"))
        # Entities every report may name (agencies, groups, places, documents, units, periods) are
        # described once, in a graph of their own: in the union default graph a description
        # repeated in every report graph would repeat every solution that joins on it.
        self.e = _Graph(iris.graph("entities"))
        self.c = _Graph(iris.graph("curation"))
        self.spans: set[Span] = set()
        self.notes = curation.report(self.rid)
        self.statements: dict[tuple[NamedNode, NamedNode, NamedNode], set[Span]] = {}
        self.described: set[tuple[str, str]] = set()

    def quads(self) -> tuple[list[Quad], list[Quad]]:
        self._report()
        for section in self.x.sections:
            self._reform(section)
        self._entities()
        self._citations()
        self._indicators()
        self._periods()
        self._statements()
        for span in sorted(self.spans, key=lambda s: (s.start, s.end)):
            self._span(span)
        return self.g.quads + self.e.quads, self.c.quads

    # --- report and structure -----------------------------------------------------------------

    def _report(self) -> None:
        x, g, iris, rid = self.x, self.g, self.iris, self.rid
        report, text = iris.report(rid), iris.text(rid)
        g.add(report, RDF.type, RKG.Report)
        g.add(report, DCTERMS.title, zh(x.source.title))
        g.add(report, RDFS.label, zh(x.source.title))
        g.add(report, DCTERMS.issued, Literal(x.source.published.isoformat(), datatype=XSD.date))
        g.add(report, DCTERMS.language, Literal(x.source.language, datatype=XSD.language))
        if x.source.section:
            g.add(report, RKG.section, zh(x.source.section))
        g.add(report, DCTERMS.temporal, iris.period(x.source.period))
        g.add(report, DCTERMS.publisher, self._entity_iri(x.publisher))
        g.add(report, DCTERMS.spatial, self._entity_iri(x.home))
        for entity in (x.publisher, x.home):
            self._describe(Mention(entity.kind, entity.slug, entity.zh, Span(0, 0), entity))
        g.add(report, RKG.sourceText, text)
        g.add(text, RDF.type, RKG.SourceText)
        g.add(text, RDF.value, Literal(x.text))
        g.add(text, DCTERMS.format, Literal("text/plain"))
        g.add(text, RKG.charCount, integer(len(x.text)))
        g.add(text, PROV.wasDerivedFrom, report)
        g.add(text, RDFS.label, zh(x.source.title + "(正文)"))
        if "report" in self.notes and "en" in self.notes["report"]:
            self.c.add(report, RDFS.label, en(self.notes["report"]["en"]))
            self.c.add(text, RDFS.label, en(self.notes["report"]["en"] + " (text)"))

    def _reform(self, section) -> None:
        g, iris, text = self.g, self.iris, self.x.text
        reform = iris.reform(self.rid, section.number)
        notes = self.notes.get("reform", {}).get(str(section.number), {})
        g.add(iris.report(self.rid), RKG.hasReform, reform)
        g.add(reform, RDF.type, RKG.Reform)
        g.add(reform, RKG.number, integer(section.number))
        # A report without numbered sections is one reform, numbered 0, titled as the report.
        title = section.title.of(text) if section.number else self.x.source.title
        heading = section.heading if section.number else section.body
        g.add(reform, DCTERMS.title, zh(title))
        g.add(reform, RDFS.label, zh(title))
        g.add(reform, DCTERMS.isPartOf, iris.report(self.rid))
        self._evidence(reform, heading)
        # The report's bureau is the default actor of every reform it reports.
        self._associate(reform, self.x.publisher, "publisher", heading)
        if "en" in notes:
            self.c.add(reform, DCTERMS.title, en(notes["en"]))
            self.c.add(reform, RDFS.label, en(notes["en"]))
        if "summary" in notes:
            self.c.add(reform, DCTERMS.abstract, en(notes["summary"]))
        for item in section.items:
            measure = iris.measure(self.rid, section.number, item.number)
            lead = item.lead.of(text)
            g.add(reform, RKG.hasMeasure, measure)
            g.add(measure, RDF.type, RKG.Measure)
            g.add(measure, RKG.number, integer(item.number))
            g.add(measure, DCTERMS.title, zh(lead))
            g.add(measure, RDFS.label, zh(lead))
            g.add(measure, RKG.reform, reform)
            self._evidence(measure, item.span)
            m_notes = self.notes.get("measure", {}).get(f"{section.number}.{item.number}", {})
            if "en" in m_notes:
                self.c.add(measure, DCTERMS.title, en(m_notes["en"]))
                self.c.add(measure, RDFS.label, en(m_notes["en"]))

    def _container(self, span: Span) -> tuple[NamedNode, NamedNode | None] | None:
        where = self.x.section_of(span)
        if where is None:
            return None
        reform = self.iris.reform(self.rid, where[0])
        measure = self.iris.measure(self.rid, where[0], where[1]) if where[1] else None
        return reform, measure

    # --- entities ----------------------------------------------------------------------------

    def _entity_iri(self, entity: Entity | Mention) -> NamedNode:
        return self.iris.entity(entity.kind, entity.slug)

    def _entities(self) -> None:
        """Link each reform and measure to what its clauses name, each link with its clause."""
        seen: set[tuple[str, str]] = set()
        for mention in self.x.mentions:
            iri = self._entity_iri(mention)
            if (mention.kind, mention.slug) not in seen:
                seen.add((mention.kind, mention.slug))
                self._describe(mention)
            where = self._container(mention.span)
            if where is None:
                continue
            reform, measure = where
            clause = self.x.clause_at(mention.span)
            if mention.kind == "programme":
                self.g.add(iri, RKG.reform, reform)
                if measure is not None:
                    self.g.add(iri, RKG.withinMeasure, measure)
                self._evidence(iri, mention.span)
                continue
            if mention.kind == "agency":
                continue  # agencies link through their roles (_roles)
            quoted = self.x.text[mention.span.start - 1 : mention.span.start] == "“"
            if quoted and self.x.text[mention.span.end : mention.span.end + 1] != "”":
                continue  # part of a quoted name (“重庆慈善周”), not a place the text talks about
            if mention.kind == "target-group":
                predicate = RKG.targetGroup
            elif quoted:
                # A quoted place name (将“红岩村”“曾家岩”…纳入保护名录) is what the measure is about.
                predicate = RKG.protects if "保护" in clause.of(self.x.text) else SCHEMA.about
            elif mention.kind == "place" and names_origin(self.x.text, mention.span.end, clause.end):
                predicate = RKG.bodiesFrom  # 山东…社会组织: where the bodies come from, not where it happens
            else:
                predicate = DCTERMS.spatial
            for container in (measure, reform):
                if container is not None:
                    self.link(container, predicate, iri, clause)
        self._roles()

    def _roles(self) -> None:
        for role in self.x.roles:
            where = self._container(role.evidence)
            if where is None:
                continue
            agency = role.agency
            if (agency.kind, agency.slug) not in {(m.kind, m.slug) for m in self.x.mentions}:
                self._describe(agency)
            for container in where:
                if container is not None:
                    self._associate(container, agency, role.role, role.evidence)

    def _associate(self, activity: NamedNode, agency: Entity | Mention, role: str, evidence: Span) -> None:
        """A PROV qualified association with the agency's role, and the unqualified shortcut."""
        agent = self._entity_iri(agency)
        node = NamedNode(f"{activity.value}/association/{role}/{agency.slug}")
        self.g.add(activity, PROV.qualifiedAssociation, node)
        self.g.add(node, RDF.type, PROV.Association)
        self.g.add(node, PROV.agent, agent)
        self.g.add(node, PROV.hadRole, RKG[_ROLES[role]])
        self._evidence(node, evidence)
        self.link(activity, PROV.wasAssociatedWith, agent, evidence)

    def link(self, s: NamedNode, p: NamedNode, o: NamedNode, evidence: Span) -> None:
        """Assert a link and remember the words that support it (published by _statements)."""
        key = (s, p, o)
        if key not in self.statements:
            self.g.add(s, p, o)
            self.statements[key] = set()
        self.statements[key].add(evidence)

    def _statements(self) -> None:
        """Each link's evidence as an RDF reification (rdf:Statement): the one way to say which words
        support a triple that every SPARQL 1.1 store, rdflib and pyshacl read alike."""
        for (s, p, o), spans in self.statements.items():
            digest = hashlib.sha1(f"{s.value} {p.value} {o.value}".encode("utf-8")).hexdigest()[:16]
            node = NamedNode(f"{self.iris.report(self.rid).value}/statement/{digest}")
            self.g.add(node, RDF.type, RDF.Statement)
            self.g.add(node, RDF.subject, s)
            self.g.add(node, RDF.predicate, p)
            self.g.add(node, RDF.object, o)
            for span in spans:
                self._evidence(node, span)

    def _describe(self, mention: Mention) -> None:
        """Type and label an entity once: zh from the text (or the gazetteer), the rest from curation."""
        g, c, iri, entity = self.e, self.c, self._entity_iri(mention), mention.entity
        self.described.add((mention.kind, mention.slug))
        for cls in _ENTITY_CLASSES[mention.kind]:
            g.add(iri, RDF.type, cls)
        name = entity.zh if entity else mention.name
        label = SKOS.prefLabel if mention.kind in ("agency", "target-group") else RDFS.label
        g.add(iri, label, zh(name))
        if label == SKOS.prefLabel:
            g.add(iri, RDFS.label, zh(name))
        if mention.kind == "target-group":
            g.add(iri, SKOS.inScheme, self.iris.scheme("target-groups"))
        if mention.kind == "programme":
            g.add(iri, RKG.programmeKind, self._kind_iri(mention.type))
        if mention.kind == "document":
            g.add(iri, DCTERMS.title, zh(name))
            g.add(iri, RKG.documentType, zh(_document_type(name)))
        if entity is None:
            # A group found by its shape is narrower than the known group its name ends in.
            for slug in mention.broader:
                target = self.curation.entities.get(mention.kind, {}).get(slug)
                other = self.iris.entity(mention.kind, slug)
                g.add(iri, SKOS.broader, other)
                g.add(other, SKOS.narrower, iri)
                if target is not None and (mention.kind, slug) not in self.described:
                    self._describe(Mention(mention.kind, slug, target.zh, Span(0, 0), target))
            return
        for alias in entity.aliases:
            c.add(iri, SKOS.altLabel, zh(alias))
        if entity.en:
            c.add(iri, label, en(entity.en))
            if label == SKOS.prefLabel or mention.kind == "document":
                c.add(iri, RDFS.label if label == SKOS.prefLabel else DCTERMS.title, en(entity.en))
        if entity.wikidata:
            c.add(iri, OWL.sameAs, WD[entity.wikidata])
        if mention.kind == "place" and entity.type in _ADMINISTRATIVE:
            c.add(iri, RDF.type, SCHEMA.AdministrativeArea)
        # A broader or related group the report never names must still be described, or a report
        # built alone points its hierarchy at an undeclared concept.
        for slug in (*entity.broader, *entity.related):
            target = self.curation.entities.get(mention.kind, {}).get(slug)
            if target is not None and (mention.kind, slug) not in self.described:
                self.described.add((mention.kind, slug))
                self._describe(Mention(mention.kind, slug, target.zh, Span(0, 0), target))
        for related in entity.related:
            other = self.iris.entity(mention.kind, related)
            c.add(iri, SKOS.related, other)
            c.add(other, SKOS.related, iri)
        for broader in entity.broader:
            other = self.iris.entity(mention.kind, broader)
            if mention.kind == "target-group":
                c.add(iri, SKOS.broader, other)
                c.add(other, SKOS.narrower, iri)
            elif mention.kind == "place":
                c.add(iri, SCHEMA.containedInPlace, other)

    def _kind_iri(self, kind: str | None) -> NamedNode:
        if kind and kind.startswith("http"):
            return NamedNode(self.iris.rebase(kind))
        return self.iris.entity("programme-kind", kind or "programme")

    def _citations(self) -> None:
        seen: set[str] = set()
        for citation in self.x.citations:
            doc = citation.document
            iri = self._entity_iri(doc)
            if doc.slug not in seen:
                seen.add(doc.slug)
                self._describe(doc)
            clause = citation.clause or doc.span
            for issuer in citation.issuers:
                issuer_iri = self._entity_iri(issuer)
                self.link(iri, DCTERMS.creator, issuer_iri, clause)
                if (issuer.kind, issuer.slug) not in {(m.kind, m.slug) for m in self.x.mentions}:
                    self._describe(issuer)
            self._evidence(iri, doc.span)
            where = self._container(doc.span)
            if where:
                for container in where:
                    if container is not None:
                        self.link(container, _RELATIONS[citation.relation], iri, clause)
                        if citation.relation != "cites":
                            self.link(container, DCTERMS.references, iri, clause)

    # --- indicators --------------------------------------------------------------------------

    def _indicators(self) -> None:
        g, iris, rid = self.g, self.iris, self.rid
        dataset = iris.dataset(rid)
        g.add(dataset, RDF.type, QB.DataSet)
        g.add(dataset, QB.structure, RKG.IndicatorStructure)
        g.add(dataset, RDFS.label, zh(self.x.source.title + "指标"))
        g.add(dataset, DCTERMS.source, iris.report(rid))
        notes = self.notes.get("indicator", {})
        labels = indicator_labels(self.x, self.notes.get("indicator-zh", {}))
        for ind in self.x.indicators:
            q = ind.quantity
            iri = iris.indicator(rid, ind.number)
            reform = iris.reform(rid, ind.reform)
            g.add(iri, RDF.type, RKG.Indicator)
            g.add(iri, QB.dataSet, dataset)
            g.add(iri, SDMX_MEASURE.obsValue, Literal(_decimal(q.value), datatype=XSD.decimal))
            g.add(iri, RKG.valueAsWritten, Literal(q.written))
            g.add(iri, SDMX_ATTRIBUTE.unitMeasure, self._unit(q.unit, ind))
            g.add(iri, RKG.approximate, Literal("true" if q.qualifier else "false", datatype=XSD.boolean))
            if q.qualifier:
                g.add(iri, RKG.qualifier, Literal(q.qualifier))
            period = iris.period(ind.since, True) if ind.since else iris.period(self.x.source.period)
            g.add(iri, SDMX_DIMENSION.refPeriod, period)
            label = labels[ind.number]
            g.add(iri, RDFS.label, zh(label))
            g.add(iri, RKG.reform, reform)
            g.add(iri, RKG.indicatorKind, self.iris.entity("indicator-kind", ind.kind))
            quantity = self._quantity(label, notes.get(ind.key))
            g.add(iri, RKG.counts, quantity)
            if ind.item:
                g.add(iri, RKG.measure, iris.measure(rid, ind.reform, ind.item))
            links = {"agency": RKG.agency, "target-group": RKG.targetGroup, "place": DCTERMS.spatial,
                     "programme": RKG.programme}
            for link in ind.links:
                self.link(iri, links[link.kind], self._entity_iri(link.mention), link.evidence)
            if not any(link.kind == "programme" for link in ind.links):
                g.add(iri, RKG.programme, RKG.NoProgramme)
            self._evidence(iri, q.span)
            if ind.key in notes:
                self.c.add(iri, RDFS.label, en(notes[ind.key]))

    def _quantity(self, label: str, english: str | None) -> NamedNode:
        """The concept of what a figure counts, shared by every report that counts the same thing
        under the same name (so next year's 排查养老机构 is comparable with this year's)."""
        slug, _ = slug_for("quantity", label, self.curation)
        iri = self.iris.entity("quantity", slug)
        self.e.add(iri, RDF.type, SKOS.Concept)
        self.e.add(iri, SKOS.inScheme, self.iris.scheme("quantities"))
        self.e.add(iri, SKOS.prefLabel, zh(label))
        if english:
            self.c.add(iri, SKOS.prefLabel, en(english))
        return iri

    def _unit(self, word: str | None, ind) -> NamedNode:
        """The unit concept of a measure word. A noun counted directly (110余万低收入人口) takes the
        unit the curation names for it, else 人 when it counts a target group, else 个. A measure
        word the units scheme lacks gets a concept of its own, so a new report still builds."""
        if word is None:
            implied = self.notes.get("implied-unit", {}).get(ind.key)
            word = implied or ("人" if any(m.kind == "target-group" for m in ind.mentions) else "个")
        iri = self.schemes.units.get(word)
        if iri is not None:
            return NamedNode(self.iris.rebase(iri))
        slug, _ = slug_for("unit", word, self.curation)
        minted = self.iris.entity("unit", slug)
        self.e.add(minted, RDF.type, SKOS.Concept)
        self.e.add(minted, SKOS.inScheme, self.iris.scheme("units"))
        self.e.add(minted, SKOS.notation, Literal(word))
        self.e.add(minted, SKOS.prefLabel, zh(word))
        return minted

    def _periods(self) -> None:
        years = {self.x.source.period} | {i.since for i in self.x.indicators if i.since}
        for year in sorted(years):
            for onwards in (False, True):
                if onwards and year not in {i.since for i in self.x.indicators}:
                    continue
                iri = self.iris.period(year, onwards)
                start = NamedNode(iri.value + "#start")
                self.e.add(iri, RDF.type, TIME.ProperInterval)
                self.e.add(iri, RDF.type, SKOS.Concept)
                self.e.add(iri, SKOS.inScheme, self.iris.scheme("periods"))
                self.e.add(iri, SKOS.prefLabel, zh(f"{year}年以来" if onwards else f"{year}年"))
                self.e.add(iri, SKOS.prefLabel, en(f"since {year}" if onwards else str(year)))
                self.e.add(iri, TIME.hasBeginning, start)
                self.e.add(start, RDF.type, TIME.Instant)
                self.e.add(start, TIME.inXSDgYear, Literal(str(year), datatype=XSD.gYear))
                if not onwards:
                    end = NamedNode(iri.value + "#end")
                    self.e.add(iri, TIME.hasEnd, end)
                    self.e.add(end, RDF.type, TIME.Instant)
                    self.e.add(end, TIME.inXSDgYear, Literal(str(year), datatype=XSD.gYear))

    # --- provenance --------------------------------------------------------------------------

    def _evidence(self, subject: NamedNode, span: Span) -> None:
        self.spans.add(span)
        self.g.add(subject, RKG.evidence, self.iris.span(self.rid, span.start, span.end))

    def _span(self, span: Span) -> None:
        g, text = self.g, self.x.text
        iri = self.iris.span(self.rid, span.start, span.end)
        quote, position = NamedNode(iri.value + "#quote"), NamedNode(iri.value + "#position")
        g.add(iri, RDF.type, OA.SpecificResource)
        g.add(iri, OA.hasSource, self.iris.text(self.rid))
        g.add(iri, OA.hasSelector, quote)
        g.add(iri, OA.hasSelector, position)
        g.add(quote, RDF.type, OA.TextQuoteSelector)
        g.add(quote, OA.exact, Literal(span.of(text)))
        prefix = text[max(0, span.start - _CONTEXT) : span.start]
        suffix = text[span.end : span.end + _CONTEXT]
        if prefix:
            g.add(quote, OA.prefix, Literal(prefix))
        if suffix:
            g.add(quote, OA.suffix, Literal(suffix))
        g.add(position, RDF.type, OA.TextPositionSelector)
        g.add(position, OA.start, Literal(str(span.start), datatype=XSD.nonNegativeInteger))
        g.add(position, OA.end, Literal(str(span.end), datatype=XSD.nonNegativeInteger))
        if self.x.origin and span.end > span.start:
            # Where the same words are in the page as published (markup and indentation included).
            published_start, published_end = self.x.origin[span.start], self.x.origin[span.end - 1] + 1
            g.add(iri, RKG.publishedStart, Literal(str(published_start), datatype=XSD.nonNegativeInteger))
            g.add(iri, RKG.publishedEnd, Literal(str(published_end), datatype=XSD.nonNegativeInteger))


_ROLES = {"publisher": "PublisherRole", "lead": "LeadRole", "co-actor": "CoActorRole",
          "implementer": "ImplementerRole"}
_RELATIONS = {"implements": RKG.implements, "issues": RKG.issues, "revises": RKG.revises,
              "drafts": RKG.drafts, "cites": DCTERMS.references}


def indicator_labels(x: Extraction, curated: dict[str, str]) -> dict[int, str]:
    """Each indicator's Chinese label: the curated noun phrase where the curation has one, else the
    clause's words; a label that repeats within a reform is told apart by its programme or unit."""
    labels = {i.number: curated.get(i.key, i.label) for i in x.indicators}
    by_reform: dict[tuple[int, str], list] = {}
    for ind in x.indicators:
        by_reform.setdefault((ind.reform, labels[ind.number]), []).append(ind)
    for (_, label), group in by_reform.items():
        if len(group) < 2:
            continue
        for ind in group:
            programme = next((l.mention.name for l in ind.links if l.kind == "programme"), None)
            unit = ind.quantity.unit or ""
            labels[ind.number] = f"{label}（{programme or unit}）"
        if len({labels[i.number] for i in group}) < len(group):
            for n, ind in enumerate(group, 1):
                labels[ind.number] = f"{label}（{n}）"
    return labels


def _decimal(value) -> str:
    text = format(value, "f")
    return text if "." not in text else text.rstrip("0").rstrip(".") or "0"


def _document_type(title: str) -> str:
    """The closing word of a title names its genre: 意见, 通知, 暂行办法, 条例, 清单, 方案, 规划 …"""
    core = title.split("(")[0].split("(")[0]
    for word in ("暂行办法", "实施意见", "指导意见", "意见", "通知", "办法", "条例", "清单", "方案",
                 "规划", "名录", "图集", "规定", "细则", "决定", "计划", "纲要", "标准", "指南"):
        if core.endswith(word):
            return word
    return core[-2:]


def quads(x: Extraction, curation: Curation, schemes: Schemes, iris: Iris) -> tuple[Iterable[Quad], Iterable[Quad]]:
    """The report graph's quads and the curation quads for this report."""
    return ReportGraphs(x, curation, schemes, iris).quads()
