/* chinhquyen: the header's menu on a phone, as a disclosure.

   Loaded synchronously in <head>, before the body exists: it marks the page as scripted (the
   "js" class on <html>), which lets the stylesheet fold the menu from the first paint, and it
   listens on the document, so the button works as soon as it is parsed. Without this file the
   class is never set: the button stays hidden and the menu open, so nothing becomes
   unreachable when the script fails to load.

   Any <button data-menu-toggle aria-controls="ID" aria-expanded="false"> works this way, so
   another layout can reuse it: the controlled element gets the "is-open" class. Escape closes
   the menu and returns the focus to its button. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function menuOf(button) {
    return document.getElementById(button.getAttribute("aria-controls") || "");
  }

  function setOpen(button, open) {
    var menu = menuOf(button);
    if (!menu) return;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("is-open", open);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-menu-toggle]");
    if (!button) return;
    setOpen(button, button.getAttribute("aria-expanded") !== "true");
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var buttons = document.querySelectorAll('[data-menu-toggle][aria-expanded="true"]');
    Array.prototype.forEach.call(buttons, function (button) {
      var menu = menuOf(button);
      if (menu && (menu.contains(event.target) || event.target === button)) {
        setOpen(button, false);
        button.focus();
      }
    });
  });
})();
