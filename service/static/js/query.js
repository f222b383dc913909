// The query UI: YASGUI (vendored, static/vendor/yasgui) against this service's /sparql.
// Nothing here may reach another host: YASQE's class and property completion asks lov.linkeddata.es,
// so only prefix and variable completion stay on, and prefixes come from this service, not prefix.cc.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("query-config").textContent);

  Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  window.reformkgBase = config.base;

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    persistenceId: "reformkg-query",
    tabName: "Query",
    copyEndpointOnNewTab: true,
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: config.endpoint }]; },
    },
    yasqe: { value: config.defaultQuery, prefixCcApi: config.prefixesUrl },
  });

  function openExample(name) {
    var example = config.examples.find(function (e) { return e.name === name; });
    if (!example) return null;
    return yasgui.addTab(true, {
      name: example.title,
      yasqe: { value: example.query },
      // "Simple view": literals without their datatype IRIs, which fill the table otherwise.
      yasr: { settings: { selectedPlugin: "table", pluginsConfig: { table: { compact: true } } } },
      requestConfig: { endpoint: config.endpoint },
    });
  }

  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () { openExample(button.dataset.example); });
  });

  // /query?example=NAME opens (and runs) that example: links from other pages use it.
  var asked = new URLSearchParams(window.location.search).get("example");
  if (asked) {
    var tab = openExample(asked);
    if (tab) tab.query().catch(function () {});
  }
  // Result IRIs minted under this service's base open its own pages, not the base's host.
  var root = document.getElementById("yasgui");
  // YASGUI leaves its editor and endpoint box unnamed, and CodeMirror's scroller unreachable by Tab.
  function named() {
    root.querySelectorAll(".yasqe textarea:not([aria-label])").forEach(function (e) { e.setAttribute("aria-label", "SPARQL"); });
    root.querySelectorAll("input.autocomplete:not([aria-label])").forEach(function (e) { e.setAttribute("aria-label", "Endpoint"); });
    root.querySelectorAll(".tab input:not([aria-label])").forEach(function (e) { e.setAttribute("aria-label", "Tab name"); });
    root.querySelectorAll(".CodeMirror-scroll:not([tabindex='0'])").forEach(function (e) { e.setAttribute("tabindex", "0"); });
  }

  function localLinks() {
    root.querySelectorAll('.yasr a[href^="' + config.base + '"]').forEach(function (a) {
      a.setAttribute("href", "/" + a.getAttribute("href").slice(config.base.length));
    });
  }
  new MutationObserver(function () { localLinks(); named(); }).observe(root, { childList: true, subtree: true });
  named();

  window.reformkgYasgui = yasgui;
})();
