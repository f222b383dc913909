"""The links into a much-linked resource: a bounded number of them, each with its subject's labels."""
from pyoxigraph import Literal, NamedNode, Quad, Store

from reformkg.service.describe import INCOMING, INCOMING_LIMIT
from reformkg.service.sparql.binding import bind

EX = "https://example.org/"
LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
LINK = NamedNode(EX + "about")


def _hub(links: int) -> Store:
    store = Store()
    hub = NamedNode(EX + "hub")
    for i in range(links):
        source = NamedNode(f"{EX}source/{i}")
        store.add(Quad(source, LINK, hub))
        store.add(Quad(source, LABEL, Literal(f"来源{i}", language="zh")))
        store.add(Quad(source, LABEL, Literal(f"source {i}", language="en")))
    return store


def _incoming(store: Store) -> list:
    text = bind(INCOMING, {"doc": f"<{EX}hub>"})
    return list(store.query(text, use_default_graph_as_union=True))


def test_past_the_limit_exactly_limit_links_are_listed_each_with_all_its_labels():
    triples = _incoming(_hub(INCOMING_LIMIT + 250))
    links = {t.subject for t in triples if t.predicate == LINK}
    assert len(links) == INCOMING_LIMIT
    labelled = [t.subject for t in triples if t.predicate == LABEL]
    assert set(labelled) == links and len(labelled) == 2 * INCOMING_LIMIT


def test_below_the_limit_every_link_and_label_is_listed():
    store = _hub(40)
    triples = _incoming(store)
    assert len(triples) == 3 * 40
    assert set(triples) == {q.triple for q in store.quads_for_pattern(None, None, None)}
