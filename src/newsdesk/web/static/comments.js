// newsdesk comments: send the comment forms (marked data-async) with fetch() instead of a page
// load. The server answers with the new comments section, which replaces the old one, or with
// a plain-text error shown next to the form. Without JavaScript the same forms post normally.
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser) return;

  function showError(form, message) {
    var box = form.querySelector(".form-error");
    if (!box) {
      box = document.createElement("p");
      box.className = "form-error";
      box.setAttribute("role", "alert");
      form.insertBefore(box, form.firstChild);
    }
    box.textContent = message;
    box.hidden = false;
  }

  function swap(html, focusId) {
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("comments");
    var current = document.getElementById("comments");
    if (!fresh || !current) return false;
    current.replaceWith(document.adoptNode(fresh));
    var target = focusId && document.getElementById("comment-" + focusId);
    if (target) {
      target.classList.add("is-new");
      if (history.replaceState) history.replaceState(null, "", "#comment-" + focusId);
      var card = target.querySelector(".comment-card") || target;
      card.focus({ preventScroll: true });
      target.scrollIntoView({ block: "nearest" });
    }
    return true;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-async")) return;
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    var buttons = form.querySelectorAll("button");
    form.setAttribute("aria-busy", "true");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.text().then(function (text) {
          var type = response.headers.get("Content-Type") || "";
          if (!response.ok) {
            throw new Error(type.indexOf("text/plain") === 0 && text ? text
              : "Something went wrong (" + response.status + "). Please try again.");
          }
          if (!swap(text, response.headers.get("X-Comment-Id"))) window.location.reload();
        });
      })
      .catch(function (error) {
        showError(form, error && error.message ? error.message : "Could not reach the server.");
      })
      .finally(function () {
        form.removeAttribute("aria-busy");
        buttons.forEach(function (b) { b.disabled = false; });
      });
  });
})();
