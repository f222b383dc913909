// A "Chart" view for YASR (the query UI's results), drawn by static/js/charts.js with the vendored
// ECharts: the bars measure the numeric column with the largest value, named by the first text
// column (else the first IRI column, else the row number), as service/charts.py `from_rows` does for
// the named-query pages. IRIs under this service's base link to its own pages.
(function () {
  "use strict";
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var NUMERIC = ["integer", "decimal", "double", "float", "long", "int", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger"].map(function (t) { return XSD + t; });

  var MAX_BARS = 100;  // as service/charts.py: the first rows; the table has them all

  function number(term) {
    if (!term || term.type !== "literal" || NUMERIC.indexOf(term.datatype) === -1) return null;
    var n = Number(term.value);
    return isFinite(n) ? n : null;
  }

  function local(iri, base) {
    return base && iri.indexOf(base) === 0 ? "/" + iri.slice(base.length) : iri;
  }

  // The chart of a SELECT answer (variables, bindings as in SPARQL JSON results); null when no column
  // is numbers in every row that binds it.
  function spec(variables, bindings, base, title) {
    if (!bindings || !bindings.length) return null;
    function every(v, test) {
      var bound = bindings.filter(function (b) { return b[v]; });
      return bound.length > 0 && bound.every(function (b) { return test(b[v]); });
    }
    var numbers = variables.filter(function (v) { return every(v, function (t) { return number(t) !== null; }); });
    if (!numbers.length) return null;
    function largest(v) {
      return Math.max.apply(null, bindings.filter(function (b) { return b[v]; }).map(function (b) { return number(b[v]); }));
    }
    var measure = numbers.reduce(function (a, b) { return largest(b) > largest(a) ? b : a; });
    var others = variables.filter(function (v) { return numbers.indexOf(v) === -1; });
    var texts = others.filter(function (v) { return every(v, function (t) { return t.type === "literal"; }); });
    var iris = others.filter(function (v) { return every(v, function (t) { return t.type === "uri"; }); });
    var key = texts[0] || iris[0];
    bindings = bindings.slice(0, MAX_BARS);
    var format = new Intl.NumberFormat("en");
    var result = { title: title, categories: [], links: [], log: false,
      series: [{ name: measure, values: [], labels: [] }] };
    bindings.forEach(function (b, i) {
      var term = key && b[key];
      var linked = iris.map(function (v) { return b[v]; }).filter(Boolean)[0];
      result.categories.push(term ? (term.type === "uri" ? local(term.value, base).split("/").pop() : term.value) : String(i + 1));
      result.links.push(linked ? local(linked.value, base) : null);
      var n = number(b[measure]);
      result.series[0].values.push(n);
      result.series[0].labels.push(n === null ? null : format.format(n));
    });
    return result;
  }

  function ChartPlugin(yasr) {
    this.yasr = yasr;
    this.priority = 5;
    this.label = "Chart";
  }
  ChartPlugin.prototype.current = function () {
    var results = this.yasr.results;
    if (!results || !results.getVariables || !results.getBindings) return null;
    return spec(results.getVariables(), results.getBindings(), window.reformkgBase, "Chart");
  };
  ChartPlugin.prototype.canHandleResults = function () { return this.current() !== null; };
  ChartPlugin.prototype.getIcon = function () {
    var icon = document.createElement("span");
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = "▤";
    return icon;
  };
  ChartPlugin.prototype.draw = function () {
    var element = document.createElement("div");
    element.className = "chart yasr-chart";
    element.setAttribute("role", "img");
    element.setAttribute("aria-label", "Chart of the results");
    this.yasr.resultsEl.appendChild(element);
    window.reformkgCharts.draw(element, this.current());
  };

  Yasgui.Yasr.registerPlugin("chart", ChartPlugin);
  window.reformkgChartSpec = spec;
})();
