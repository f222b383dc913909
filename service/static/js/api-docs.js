// Swagger UI (vendored, static/vendor/swagger-ui) on this service's OpenAPI document. Nothing here may
// reach another host: validatorUrl null turns off the badge that would send the document to a validator.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    tryItOutEnabled: true,
    displayRequestDuration: true,
  });
})();
