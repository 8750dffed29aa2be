/* Officer workspace: small enhancements over pages that work without JavaScript.
   - the header's menu folds behind a disclosure button on narrow screens;
   - a destructive action asks for confirmation in a <dialog> (without JavaScript the server
     shows a confirmation page instead: a POST without confirm=1 changes nothing);
   - keyboard: "/" goes to the inbox search, "j"/"k" move between the inbox's dossiers. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("ws-js");

  // --- the header's menu ------------------------------------------------------------------
  var button = document.querySelector(".ws-menu-button");
  var menu = document.getElementById("ws-menu");
  if (button && menu) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", open ? "false" : "true");
      menu.classList.toggle("is-open", !open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        button.setAttribute("aria-expanded", "false");
        menu.classList.remove("is-open");
        button.focus();
      }
    });
  }

  // --- a signing batch waiting for the person's confirmation in the signing app ----------
  // The page is reloaded once the batch has an outcome (sign_batch.html).
  var signStatus = document.getElementById("sign-status");
  if (signStatus && signStatus.dataset.pending === "1") {
    var poll = function () {
      fetch(signStatus.dataset.poll, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (s) { if (s.pending) { setTimeout(poll, 2000); } else { window.location.reload(); } })
        .catch(function () { setTimeout(poll, 4000); });
    };
    setTimeout(poll, 2000);
  }

  // --- confirmation of destructive actions ------------------------------------------------
  var dialog = document.getElementById("ws-confirm");
  if (dialog && typeof dialog.showModal === "function") {
    var pending = null;
    var title = dialog.querySelector("#ws-confirm-h");
    var body = dialog.querySelector("#ws-confirm-body");
    var reason = dialog.querySelector("#ws-confirm-reason");
    var yes = dialog.querySelector('[data-answer="yes"]');
    var titleText = title.textContent;
    var yesText = yes.textContent;

    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.querySelector('input[name="confirm"]')) return;
        var comment = form.querySelector('textarea[name="comment"]');
        var text = comment ? comment.value.trim() : "";
        // No reason yet: let the server's confirmation page ask for it, with the consequence.
        if (form.hasAttribute("data-reason-required") && !text) return;
        event.preventDefault();
        var name = form.getAttribute("data-action-name");
        var source = document.getElementById(form.getAttribute("data-confirm"));
        title.textContent = titleText + ": " + name;
        yes.textContent = yesText + ": " + name;
        body.innerHTML = source ? source.innerHTML : "";
        reason.hidden = !text;
        reason.querySelector("span").textContent = text;
        pending = form;
        dialog.showModal();
      });
    });
    yes.addEventListener("click", function () {
      if (!pending) return;
      var flag = document.createElement("input");
      flag.type = "hidden";
      flag.name = "confirm";
      flag.value = "1";
      pending.appendChild(flag);
      dialog.close();
      pending.submit();
    });
    dialog.querySelector('[data-answer="no"]').addEventListener("click", function () {
      dialog.close();
    });
    dialog.addEventListener("close", function () {
      if (pending && !pending.querySelector('input[name="confirm"]')) {
        var back = pending.querySelector('button[type="submit"]');
        if (back) back.focus();
        pending = null;
      }
    });
  }

  // --- the inbox's filters fold on a phone unless a filter is in use ------------------------
  var filters = document.getElementById("inbox-filters");
  if (filters && !filters.hasAttribute("data-active") && window.matchMedia("(max-width: 47.99rem)").matches) {
    filters.open = false;
  }

  // --- keyboard shortcuts of the inbox ----------------------------------------------------
  var rows = document.querySelectorAll("[data-inbox-row] a.code");
  var search = document.getElementById("id_q");
  if (rows.length || search) {
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      if (target.closest("input, textarea, select, [contenteditable], dialog")) return;
      if (event.key === "/" && search) {
        event.preventDefault();
        if (filters) filters.open = true;
        search.focus();
        return;
      }
      if ((event.key === "j" || event.key === "k") && rows.length) {
        var list = Array.prototype.slice.call(rows);
        var at = list.indexOf(document.activeElement);
        var next = event.key === "j" ? at + 1 : at - 1;
        if (at === -1) next = event.key === "j" ? 0 : list.length - 1;
        if (next >= 0 && next < list.length) {
          event.preventDefault();
          list[next].focus();
        }
      }
    });
  }
})();
