// The graph explorer: Cytoscape.js (vendored, static/vendor/cytoscape) over /api/graph and /api/search.
// Start from a reform or a search hit; clicking a node shows it and adds its neighbours.
// Everything shown comes from this service; text goes in with textContent, never as HTML.
(function () {
  "use strict";
  var root = document.getElementById("explorer");
  var lang = root.getAttribute("data-lang") === "en" ? "en" : "zh";
  var COLOURS = {
    Report: "#6a3d9a", Reform: "#a4262c", Measure: "#f08080", Programme: "#ff7f00", Indicator: "#1f78b4",
    PolicyDocument: "#b15928", Agency: "#33a02c", Place: "#8dc26f", TargetGroup: "#e6ab02", Unit: "#80b1d3",
    Period: "#bc80bd", ProgrammeKind: "#d9d94c", SourceText: "#7f7f7f", Span: "#b3b3b3", Selector: "#d0d0d0",
    Dataset: "#525252", Scheme: "#969696", Class: "#3f3f3f", Property: "#6f6f6f", Concept: "#c7c7c7",
    Ontology: "#2b2b2b", Instant: "#d4b9da", Resource: "#e0e0e0",
  };
  var TEXT = {
    loading: { en: "Loading…", zh: "加载中…" },
    nodes: { en: " nodes, ", zh: " 个节点，" },
    links: { en: " links", zh: " 条关联" },
    more: { en: " (more links not shown)", zh: "（还有关联未显示）" },
    none: { en: "Nothing found.", zh: "没有找到。" },
    noLabel: { en: "no English label yet", zh: "暂无中文名称" },
    characters: { en: "text ", zh: "原文字符 " },
  };
  // The display classes (nodes.py CLASSES) as the page's language names them.
  var CLASS_NAMES = {
    Report: ["Report", "报告"], Reform: ["Reform", "改革事项"], Measure: ["Measure", "改革举措"],
    Programme: ["Programme", "工作项目"], Indicator: ["Indicator", "指标"], PolicyDocument: ["Policy document", "政策文件"],
    Agency: ["Agency", "部门"], Place: ["Place", "地点"], TargetGroup: ["Target group", "服务对象"], Unit: ["Unit", "计量单位"],
    Period: ["Period", "统计期"], ProgrammeKind: ["Kind of programme", "项目类型"], SourceText: ["Source text", "报告原文"],
    Span: ["Span", "原文片段"], Selector: ["Selector", "选择器"], Dataset: ["Dataset", "数据集"], Scheme: ["Scheme", "概念体系"],
    Class: ["Class", "类"], Property: ["Property", "属性"], Concept: ["Concept", "概念"], Ontology: ["Ontology", "本体"],
    Instant: ["Instant", "时间点"], Resource: ["Resource", "资源"],
  };
  function className(name) { return (CLASS_NAMES[name] || [name, name])[lang === "en" ? 0 : 1]; }
  // A span is named by where it is in the text ("0-14" alone says nothing).
  function nodeLabel(data) {
    var offsets = data["class"] === "Span" && /^(\d+)-(\d+)$/.exec(data.label);
    return offsets ? say("characters") + offsets[1] + "–" + offsets[2] : data.label;
  }
  var params = new URLSearchParams(window.location.search);
  var hidden = {};
  (params.get("hide") || "").split(",").filter(Boolean).forEach(function (name) { hidden[name] = true; });
  function say(key) { return TEXT[key][lang]; }

  var status = document.getElementById("status");
  var cy = cytoscape({
    container: document.getElementById("graph"),
    wheelSensitivity: 0.3,
    minZoom: 0.2,
    maxZoom: 3,
    style: [
      { selector: "node", style: {
        "background-color": function (n) { return COLOURS[n.data("class")] || COLOURS.Resource; },
        "label": function (n) { return nodeLabel(n.data()); }, "font-size": 10, "text-wrap": "ellipsis",
        "text-max-width": 96, "text-valign": "bottom", "text-margin-y": 3, "width": 22, "height": 22,
        // A label over another stays readable on its own white ground; tiny labels hide when zoomed out.
        "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": 1,
        "min-zoomed-font-size": 7, "border-width": 1, "border-color": "#ffffff" } },
      { selector: "node.hidden-class", style: { "display": "none" } },
      { selector: "node.expanded", style: { "border-width": 3, "border-color": "#1c2430" } },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#1f5f99" } },
      { selector: "edge", style: {
        "width": 1, "line-color": "#b8bec8", "target-arrow-color": "#b8bec8", "target-arrow-shape": "triangle",
        "curve-style": "bezier", "arrow-scale": 0.7, "label": "data(label)", "font-size": 7, "color": "#4b5563",
        "text-rotation": "autorotate", "min-zoomed-font-size": 9 } },
    ],
  });

  root.cy = cy;  // for the browser tests and the console

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.message || response.statusText); }
        return body;
      });
    });
  }

  function url(base, params) {
    var query = Object.keys(params).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    });
    return base + "?" + query.join("&");
  }

  function layout() {
    cy.layout({ name: "cose", animate: false, randomize: false, fit: true, padding: 30, nodeRepulsion: 1200000,
                idealEdgeLength: 140, nodeOverlap: 60, gravity: 30, numIter: 1500,
                nodeDimensionsIncludeLabels: true }).run();
  }

  function report() {
    status.textContent = cy.nodes().length + say("nodes") + cy.edges().length + say("links");
  }

  // Add a node's neighbourhood to the graph (or start afresh) and show the node.
  function expand(iri, fresh) {
    status.textContent = say("loading");
    return getJSON(url(root.getAttribute("data-graph-url"), { iri: iri, depth: 1, lang: lang }))
      .then(function (data) {
        if (fresh) { cy.elements().remove(); }
        // New nodes start where the expanded node is, so the layout unfolds them from it.
        var known = cy.getElementById(iri);
        var anchor = known.empty() ? { x: 0, y: 0 } : known.position();
        var add = [];
        data.elements.nodes.forEach(function (n, i) {
          if (cy.getElementById(n.data.id).empty()) {
            var angle = 2 * Math.PI * i / data.elements.nodes.length;
            add.push({ group: "nodes", data: n.data, classes: n.classes,
                       position: { x: anchor.x + 60 * Math.cos(angle), y: anchor.y + 60 * Math.sin(angle) } });
          }
        });
        data.elements.edges.forEach(function (e) {
          if (cy.getElementById(e.data.id).empty()) { add.push({ group: "edges", data: e.data }); }
        });
        cy.add(add);
        var node = cy.getElementById(iri);
        node.addClass("expanded");
        layout();
        cy.elements().unselect();
        node.select();
        show(node.data(), data.properties);
        select.value = select.querySelector('option[value="' + CSS.escape(iri) + '"]') ? iri : "";
        report();
        if (data.truncated) { status.textContent += say("more"); }
        root.setAttribute("data-center", iri);
        filter();
        remember();
        collapse.disabled = false;
      })
      .catch(function (error) { status.textContent = error.message; });
  }

  function show(data, properties) {
    document.getElementById("node-details").hidden = false;
    document.getElementById("node-class").textContent = className(data["class"]);
    document.getElementById("node-label").textContent = data.label;
    document.getElementById("node-iri").textContent = data.id;
    var page = document.getElementById("node-page");
    page.href = data.page;
    var rows = document.getElementById("node-properties");
    rows.textContent = "";
    (properties || []).forEach(function (p) {
      if (p.lang && p.lang !== lang) { return; }
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.textContent = p.label;
      var td = document.createElement("td");
      td.textContent = p.value.length > 300 ? p.value.slice(0, 300) + "…" : p.value;
      tr.appendChild(th);
      tr.appendChild(td);
      rows.appendChild(tr);
    });
  }

  cy.on("tap", "node", function (event) { expand(event.target.id(), false); });

  // Search: ranked hits; choosing one starts the graph from it.
  var results = document.getElementById("search-results");
  document.getElementById("search-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var q = document.getElementById("search-input").value.trim();
    if (!q) { return; }
    status.textContent = say("loading");
    getJSON(url(root.getAttribute("data-search-url"), { q: q, limit: 20 })).then(function (data) {
      results.textContent = "";
      results.hidden = false;
      if (!data.results.length) {
        var li = document.createElement("li");
        li.textContent = say("none");
        results.appendChild(li);
      }
      // Where the hits come from several reports, each reform, measure or indicator says which.
      var reports = {};
      data.results.forEach(function (hit) { if (hit.report) { reports[hit.report] = true; } });
      var mixed = Object.keys(reports).length > 1;
      data.results.forEach(function (hit) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "search-hit";
        button.setAttribute("data-iri", hit.iri);
        var swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.backgroundColor = COLOURS[hit["class"]] || COLOURS.Resource;
        var label = document.createElement("span");
        label.textContent = hit.label;
        var meta = document.createElement("small");
        meta.textContent = " " + hit["class"] + " · " + hit.match + (mixed && hit.report ? " · " + hit.report_label : "");
        button.appendChild(swatch);
        button.appendChild(label);
        button.appendChild(meta);
        button.addEventListener("click", function () {
          results.hidden = true;
          expand(hit.iri, true);
        });
        li.appendChild(button);
        results.appendChild(li);
      });
      status.textContent = "";
    }).catch(function (error) { status.textContent = error.message; });
  });

  // A title in the page's language, else the other one with a note that the page's is missing.
  function title(zh, en) {
    var shown = lang === "en" ? en : zh;
    return shown || ((zh || en || "") + " (" + say("noLabel") + ")");
  }

  // The reforms to start from, grouped by report (newest report first), in order within each.
  var select = document.getElementById("reform-select");
  select.addEventListener("change", function () { if (select.value) { expand(select.value, true); } });
  Promise.all([getJSON(root.getAttribute("data-reports-url")), getJSON(root.getAttribute("data-reforms-url"))])
    .then(function (answers) {
      var reports = answers[0].rows, reforms = answers[1].rows;
      select.textContent = "";
      select.appendChild(new Option("—", ""));
      var first = "";
      reports.forEach(function (report) {
        var group = document.createElement("optgroup");
        group.label = title(report.title_zh, report.title_en);
        group.setAttribute("data-report", report.report);
        reforms.filter(function (row) { return row.report === report.report; })
          .sort(function (a, b) { return a.number - b.number; })
          .forEach(function (row) {
            var option = document.createElement("option");
            option.value = row.reform;
            option.textContent = row.number + ". " + title(row.title_zh, row.title_en);
            group.appendChild(option);
            first = first || row.reform;
          });
        select.appendChild(group);
      });
      var start = root.getAttribute("data-start") || first;
      if (start) {
        select.value = start;
        expand(start, true);
      }
    }).catch(function (error) { status.textContent = error.message; });

  // The explorer's state in its URL (?iri=…&hide=Span,Period&lang=…), so a view can be shared or reloaded.
  function remember() {
    var state = new URLSearchParams(window.location.search);
    state.set("iri", root.getAttribute("data-center") || "");
    var hiding = Object.keys(hidden).filter(function (k) { return hidden[k]; });
    if (hiding.length) { state.set("hide", hiding.join(",")); } else { state.delete("hide"); }
    history.replaceState(null, "", window.location.pathname + "?" + state.toString());
  }

  // The legend is the type filter: a class unticked hides its nodes (and their links).
  function filter() {
    cy.nodes().forEach(function (n) { n.toggleClass("hidden-class", !!hidden[n.data("class")]); });
  }
  var legend = document.getElementById("legend");
  ["Reform", "Measure", "Programme", "Indicator", "PolicyDocument", "Agency", "Place", "TargetGroup", "Unit",
   "Period", "Span", "Report"].forEach(function (name) {
    var label = document.createElement("label");
    var box = document.createElement("input");
    box.type = "checkbox";
    box.checked = !hidden[name];
    box.value = name;
    box.addEventListener("change", function () {
      hidden[name] = !box.checked;
      filter();
      remember();
    });
    var swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.backgroundColor = COLOURS[name];
    label.appendChild(box);
    label.appendChild(swatch);
    label.appendChild(document.createTextNode(className(name)));
    legend.appendChild(label);
  });

  // Collapse: take away the neighbours only the chosen node brought in (those linked to nothing else
  // and not expanded themselves).
  var collapse = document.getElementById("collapse");
  collapse.addEventListener("click", function () {
    var chosen = cy.nodes(":selected");
    if (chosen.empty()) { return; }
    chosen.neighborhood("node").filter(function (n) {
      return !n.hasClass("expanded") && n.degree(false) <= 1;
    }).remove();
    chosen.removeClass("expanded");
    report();
  });
})();
