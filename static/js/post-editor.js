// Live draft checking: as the officer types, ask the checker endpoint and show
// the counts and findings. Without JavaScript the "Check text" button does the
// same through a plain form submit.
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var NAMES = { x: "X", mastodon: "Mastodon", bluesky: "Bluesky" };
  var LIMITS = { x: 280, mastodon: 500, bluesky: 300 };

  function render(box, result, text) {
    box.textContent = "";
    box.appendChild(el("h3", { "class": "font-sans-sm margin-y-1" }, "Checks"));
    var counts = el("ul", { "class": "post-check__counts" });
    Object.keys(result.lengths).forEach(function (network) {
      var n = result.lengths[network];
      var li = el("li", n > LIMITS[network] ? { "class": "post-check__count--over" } : {});
      li.appendChild(document.createTextNode((NAMES[network] || network) + ": "));
      li.appendChild(el("strong", {}, String(n)));
      li.appendChild(document.createTextNode("/" + LIMITS[network]));
      counts.appendChild(li);
    });
    var grade = el("li", {}, "Reading grade: ");
    grade.appendChild(el("strong", {}, String(result.grade)));
    counts.appendChild(grade);
    box.appendChild(counts);
    if (!result.findings.length) {
      box.appendChild(el("p", { "class": "post-check__ok" }, "No problems found."));
      return;
    }
    var list = el("ul", { "class": "usa-list post-check__findings" });
    result.findings.forEach(function (f) {
      var li = el("li", { "class": "post-check__finding post-check__finding--" + f.severity });
      li.appendChild(el("strong", {}, f.severity === "block" ? "Must fix: " : "Consider: "));
      var excerpt = text.slice(f.start, f.end);
      if (excerpt && excerpt.length < 80) {
        li.appendChild(document.createTextNode("\u201c"));
        li.appendChild(el("mark", {}, excerpt));
        li.appendChild(document.createTextNode("\u201d \u2014 "));
      }
      li.appendChild(document.createTextNode(f.message + " "));
      if (f.suggestion) li.appendChild(el("span", { "class": "post-check__suggestion" }, f.suggestion));
      list.appendChild(li);
    });
    box.appendChild(list);
  }

  document.querySelectorAll("form.post-editor").forEach(function (form) {
    var textarea = form.querySelector("textarea[name=body]");
    var box = form.querySelector("[data-post-check]");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!textarea || !box || !token || !window.fetch) return;
    var timer = null;
    var latest = 0;

    function check() {
      var text = textarea.value;
      var request = ++latest;
      var incident = form.getAttribute("data-incident");
      fetch(form.getAttribute("data-check-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token.value },
        body: JSON.stringify({ text: text, incident: incident ? Number(incident) : null })
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (result) {
          if (result && request === latest) render(box, result, text);
        })
        .catch(function () { /* the plain "Check text" button still works */ });
    }

    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 300);
    });
  });
})();
