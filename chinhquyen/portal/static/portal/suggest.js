/* chinhquyen: suggestions under the home page's search box (the ARIA 1.2 combobox pattern).

   Progressive enhancement of <input data-suggest-url="…" data-suggest-list="ID">: without this
   file the box is a plain search field and the form still searches. With it, typing two or more
   characters asks the portal for the first procedures of the search's own ranking (/goi-y/) and
   lists them; the input becomes role="combobox" with aria-expanded and aria-activedescendant;
   ArrowDown/ArrowUp move through the list, Enter opens the highlighted procedure (or searches
   when none is), Escape closes the list, a click or tap opens a procedure. A polite live region
   says how many suggestions there are. Names are inserted as text, never as HTML. */
(function () {
  "use strict";
  var DELAY = 150;

  function setUp(input) {
    var list = document.getElementById(input.getAttribute("data-suggest-list") || "");
    var status = document.getElementById(input.getAttribute("data-suggest-status") || "");
    if (!list || !window.fetch) return;
    var url = input.getAttribute("data-suggest-url");
    var timer = null, asked = "", active = -1, options = [], controller = null;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    function say(text) { if (status) status.textContent = text; }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index < 0) input.removeAttribute("aria-activedescendant");
      else {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      }
    }

    function show(suggestions) {
      list.textContent = "";
      options = suggestions.map(function (item, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-url", item.url);
        var name = document.createElement("span");
        name.className = "suggest-name";
        name.textContent = item.name;
        var code = document.createElement("span");
        code.className = "suggest-code";
        code.textContent = item.code;
        option.appendChild(name);
        option.appendChild(code);
        list.appendChild(option);
        return option;
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (!options.length) {
        close();
        say(input.getAttribute("data-suggest-none") || "");
        return;
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      say((input.getAttribute("data-suggest-count") || "{n}").replace("{n}", options.length));
    }

    function ask() {
      var q = input.value.trim();
      if (q.length < 2) { asked = q; close(); return; }
      if (q === asked && !list.hidden) return;
      asked = q;
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(q), {
        headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (body && body.q === input.value.trim().slice(0, 200)) show(body.suggestions || []);
        })
        .catch(function () { /* an aborted or failed request: the form still searches */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DELAY);
    });

    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden) { if (options.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } else return; }
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        var next = active + step;
        if (next >= options.length) next = -1;
        if (next < -1) next = options.length - 1;
        highlight(next);
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        window.location.assign(options[active].getAttribute("data-url"));
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });

    list.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the focus in the box until the click lands
    });
    list.addEventListener("click", function (event) {
      var option = event.target.closest && event.target.closest('[role="option"]');
      if (option) window.location.assign(option.getAttribute("data-url"));
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest-url]"), setUp);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
