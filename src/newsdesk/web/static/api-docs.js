// /api/docs: Swagger UI (served from the fastapi-offline package, no CDN) over /openapi.json.
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: root.dataset.spec, dom_id: "#swagger-ui", deepLinking: true });
});
