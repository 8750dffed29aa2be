/* chinhquyen: upload progress for large files (progressive enhancement).

   Every <form enctype="multipart/form-data" method="post"> whose chosen files weigh more than
   the threshold (1 MB; data-threshold on this script's tag) is sent with XMLHttpRequest instead
   of the browser's own submission, so that a progress bar can say how far it is:
   a <progress> (role progressbar) and a status line read out by screen readers
   ("Đang tải lên… 45 %"). Then the browser follows the server's answer as it would have:
   the page a redirect leads to, or the page answered (a 4xx with the field errors, a 200, a
   5xx), replaces this document at its own address (history.replaceState). Without JavaScript, or for small files, or when the form says
   data-upload-progress="off", or when another script has already handled the submission,
   nothing changes: the form is submitted normally.

   The texts come from this script's tag (data-uploading, data-processing, data-failed,
   data-label), written by the template in the page's language. */
(function () {
  "use strict";
  var script = document.currentScript;
  var data = (script && script.dataset) || {};
  var THRESHOLD = parseInt(data.threshold, 10) || 1024 * 1024;
  var TEXT = {
    uploading: data.uploading || "Đang tải lên… {percent}",
    processing: data.processing || "Đã tải lên, đang chờ xử lý…",
    failed: data.failed || "Không tải lên được. Kiểm tra kết nối mạng rồi gửi lại.",
    label: data.label || "Tiến độ tải lên"
  };
  var NBSP = "\u00a0";
  var ANNOUNCE_EVERY_MS = 1000; // a screen reader hears the status at most once a second

  function chosenBytes(form) {
    var total = 0;
    Array.prototype.forEach.call(form.querySelectorAll('input[type="file"]'), function (input) {
      if (input.disabled || !input.files) return;
      Array.prototype.forEach.call(input.files, function (file) { total += file.size; });
    });
    return total;
  }

  function wanted(form, event) {
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return false;
    if ((form.getAttribute("data-upload-progress") || "").toLowerCase() === "off") return false;
    var enctype = (event.submitter && event.submitter.getAttribute("formenctype")) || form.enctype;
    var method = (event.submitter && event.submitter.getAttribute("formmethod")) || form.method;
    if (enctype !== "multipart/form-data" || method.toLowerCase() !== "post") return false;
    if (!window.FormData || !window.XMLHttpRequest) return false;
    return chosenBytes(form) > THRESHOLD;
  }

  function formData(form, submitter) {
    var body;
    try {
      body = new FormData(form, submitter || undefined);
    } catch (error) { // browsers without the submitter argument
      body = new FormData(form);
      if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    }
    return body;
  }

  function progressBox(form, submitter) {
    var box = form.querySelector(".upload-progress");
    if (!box) {
      box = document.createElement("div");
      box.className = "upload-progress";
      var id = "upload-status-" + Math.random().toString(36).slice(2, 8);
      box.innerHTML =
        '<progress max="100" value="0"></progress>' +
        '<p class="upload-status" role="status" aria-live="polite" id="' + id + '"></p>';
      var bar = box.querySelector("progress");
      bar.setAttribute("aria-label", TEXT.label);
      bar.setAttribute("aria-describedby", id);
      var anchor = submitter && form.contains(submitter) ? submitter.closest(".actions") || submitter : null;
      if (anchor && anchor.parentNode) {
        anchor.parentNode.insertBefore(box, anchor.nextSibling);
      } else {
        form.appendChild(box);
      }
    }
    box.hidden = false;
    return { box: box, bar: box.querySelector("progress"), status: box.querySelector(".upload-status") };
  }

  function percentText(percent) {
    return TEXT.uploading.replace("{percent}", percent + NBSP + "%");
  }

  function replaceDocument(html, url) {
    document.open();
    document.write(html);
    document.close();
    try {
      if (url && new URL(url).origin === window.location.origin) {
        window.history.replaceState(null, "", url);
      }
    } catch (error) { /* an address the history refuses: stay where the form was */ }
  }

  function send(form, submitter) {
    var action = submitter && submitter.hasAttribute("formaction") ? submitter.formAction : form.action;
    var body = formData(form, submitter);
    var ui = progressBox(form, submitter);
    var buttons = form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]');
    var lastAnnounced = 0;
    function setBusy(busy) {
      Array.prototype.forEach.call(buttons, function (button) { button.disabled = busy; });
      form.setAttribute("aria-busy", busy ? "true" : "false");
    }
    function show(percent, force) {
      ui.bar.value = percent;
      var now = Date.now();
      if (force || now - lastAnnounced >= ANNOUNCE_EVERY_MS) {
        ui.status.textContent = percentText(percent);
        lastAnnounced = now;
      }
    }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", action);
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) return;
      show(Math.min(100, Math.floor((event.loaded / event.total) * 100)), false);
    });
    xhr.upload.addEventListener("load", function () {
      ui.bar.value = 100;
      ui.status.textContent = TEXT.processing;
    });
    xhr.addEventListener("load", function () {
      var target = (xhr.responseURL || action).split("#")[0];
      var redirected = target !== action.split("#")[0];
      var type = xhr.getResponseHeader("Content-Type") || "";
      if (type.indexOf("text/html") === 0) {
        // A page: the one the server redirected to (already fetched: asking for it again could
        // lose what it shows once, such as a private tracking link), or its answer to the form
        // (a 4xx with the field errors). It becomes this page, at its own address.
        replaceDocument(xhr.responseText, target);
      } else if (redirected && xhr.status < 400) {
        window.location.assign(target); // something else at a new address: the browser opens it
      } else {
        setBusy(false);
        ui.status.textContent = TEXT.failed + " (" + xhr.status + ")";
      }
    });
    function failed() {
      setBusy(false);
      ui.bar.value = 0;
      ui.status.textContent = TEXT.failed;
    }
    xhr.addEventListener("error", failed);
    xhr.addEventListener("abort", failed);
    xhr.addEventListener("timeout", failed);
    show(0, true);
    setBusy(true);
    xhr.send(body);
  }

  // On the document and in the bubbling phase: the form's own handlers (a confirmation, a
  // check) run first, and a submission they cancelled is left alone.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!wanted(form, event)) return;
    event.preventDefault();
    send(form, event.submitter || null);
  });
})();
