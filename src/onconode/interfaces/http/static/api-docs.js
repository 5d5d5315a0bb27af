// Starts the vendored Swagger UI on /api/docs (a file, not an inline script: the node's CSP runs
// only this origin's files). The OpenAPI address comes from the page's data attribute.
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
