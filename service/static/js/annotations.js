// The annotated source text (templates/text.html): every passage a fact was read from is a
// .fact element listing its spans (data-spans, indices into #fact-data, shortest first). Clicking
// one, or Enter/Space on it, lists in the side panel what the graph says of those spans, with links.
(function () {
  "use strict";
  var spans = JSON.parse(document.getElementById("fact-data").textContent);
  var words = JSON.parse(document.getElementById("fact-words").textContent);
  var panel = document.getElementById("fact-panel");

  function link(item) {
    var a = document.createElement("a");
    a.href = item.href;
    a.textContent = item.name;
    return a;
  }

  function show(element) {
    document.querySelectorAll(".fact.chosen").forEach(function (e) { e.classList.remove("chosen"); });
    element.classList.add("chosen");
    panel.textContent = "";
    element.dataset.spans.split(" ").forEach(function (index) {
      var span = spans[Number(index)];
      var section = document.createElement("section");
      section.className = "fact-span";
      var head = document.createElement("p");
      head.className = "note";
      var spanLink = document.createElement("a");
      spanLink.href = span.href;
      spanLink.textContent = words.span + " · " + words.characters + " " + span.start + "–" + span.end;
      head.appendChild(spanLink);
      section.appendChild(head);
      var list = document.createElement("ul");
      span.facts.forEach(function (fact) {
        var item = document.createElement("li");
        var kind = document.createElement("span");
        kind.className = "badge";
        kind.textContent = fact.kind;
        item.appendChild(kind);
        item.appendChild(document.createTextNode(" "));
        if (fact.statement) {
          fact.statement.forEach(function (part, i) {
            if (i) item.appendChild(document.createTextNode(" → "));
            item.appendChild(link(part));
          });
          item.appendChild(document.createTextNode(" ("));
          item.appendChild(link({ href: fact.href, name: "↗" }));
          item.appendChild(document.createTextNode(")"));
        } else {
          item.appendChild(link(fact));
        }
        list.appendChild(item);
      });
      section.appendChild(list);
      panel.appendChild(section);
    });
  }

  document.querySelectorAll(".text-body .fact").forEach(function (element) {
    element.addEventListener("click", function () { show(element); });
    element.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        show(element);
      }
    });
  });
})();
