// Swagger UI (vendored, static/vendor/swagger-ui) on this service's OpenAPI document. Nothing here may
// reach another host: validatorUrl null turns off the badge that would send the document to a validator.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");

  // Swagger UI fills "Try it out" with each parameter's example, so Execute would filter by every
  // optional parameter at once (one row where the query gives five). The document keeps its examples
  // for clients; here an optional parameter's example moves into its description and the box stays empty.
  function examplesAsText(ui) {
    var spec = ui.specSelectors.specJson().toJS();
    var changed = false;
    Object.keys(spec.paths || {}).forEach(function (path) {
      var item = spec.paths[path];
      [item].concat(Object.keys(item).map(function (k) { return item[k]; })).forEach(function (operation) {
        (operation && operation.parameters || []).forEach(function (p) {
          if (!p.required && p.example !== undefined) {
            p.description = (p.description || "") + "\n\nExample: `" + p.example + "`";
            delete p.example;
            changed = true;
          }
        });
      });
    });
    if (changed) ui.specActions.updateJsonSpec(spec);
  }

  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    // Deep links put an <a> inside each operation's button (axe nested-interactive): off.
    deepLinking: false,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    tryItOutEnabled: true,
    displayRequestDuration: true,
    onComplete: function () {
      examplesAsText(window.ui);
      var servers = document.getElementById("servers");
      if (servers) servers.setAttribute("aria-label", "Server");
    },
  });
})();
