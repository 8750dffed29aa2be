// The feedback form, enhanced: the same choices the server offers after "Chọn tỉnh" and
// "Tìm thủ tục", made in place, and "Dùng vị trí của tôi" (the browser's position into the
// hidden lat/long). Without this script the form works by coming back from the server.
// Every text shown comes from the page's data-msg-* attributes (translated by Django).
(function () {
  "use strict";
  var form = document.getElementById("feedback-form");
  if (!form) return;

  // The server round trips are not needed any more: their buttons go.
  Array.prototype.forEach.call(form.querySelectorAll("[data-no-js]"), function (button) {
    button.hidden = true;
  });

  function say(element, text) {
    if (element) element.textContent = text;
  }

  // --- the commune list of the province chosen ----------------------------------------------
  var place = document.getElementById("f-location");
  var province = document.getElementById("f-province");
  var commune = document.getElementById("f-commune");
  var communeHint = document.getElementById("f-commune-hint");
  if (place && province && commune) {
    province.addEventListener("change", function () {
      var code = province.value;
      commune.length = 1; // keep the "— Chọn xã, phường —" option
      commune.value = "";
      if (!code) return;
      var url = place.dataset.communesUrl.replace("TINH", encodeURIComponent(code));
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          if (province.value !== data.province) return; // another province chosen meanwhile
          data.communes.forEach(function (row) {
            commune.add(new Option(row[1], row[0]));
          });
          say(communeHint, "");
        })
        .catch(function () {
          say(communeHint, place.dataset.msgCommunesFailed);
          form.querySelectorAll("[data-no-js]").forEach(function (b) { b.hidden = false; });
        });
    });
  }

  // --- the browser's position ---------------------------------------------------------------
  var use = document.getElementById("use-location");
  var clear = document.getElementById("clear-location");
  var status = document.getElementById("location-status");
  var lat = form.elements.lat;
  var lng = form.elements.long;
  if (place && use && lat && lng) {
    use.hidden = false;
    use.addEventListener("click", function () {
      if (!("geolocation" in navigator)) {
        say(status, place.dataset.msgUnsupported);
        return;
      }
      use.disabled = true;
      say(status, place.dataset.msgLocating);
      navigator.geolocation.getCurrentPosition(
        function (position) {
          use.disabled = false;
          lat.value = position.coords.latitude.toFixed(6);
          lng.value = position.coords.longitude.toFixed(6);
          var metres = Math.max(1, Math.round(position.coords.accuracy || 0));
          say(status, place.dataset.msgFound.replace("{m}", metres.toLocaleString("vi-VN")));
          if (clear) clear.hidden = false;
        },
        function (error) {
          use.disabled = false;
          lat.value = "";
          lng.value = "";
          var messages = { 1: "msgDenied", 2: "msgUnavailable", 3: "msgTimeout" };
          say(status, place.dataset[messages[error.code] || "msgUnavailable"]);
        },
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
      );
    });
  }
  if (clear && lat && lng) {
    clear.addEventListener("click", function () {
      lat.value = "";
      lng.value = "";
      clear.hidden = true;
      say(status, place.dataset.msgCleared);
      if (use) use.focus();
    });
  }

  // --- the procedure, found by its name -----------------------------------------------------
  var box = document.getElementById("f-procedure");
  var query = document.getElementById("f-procedure_q");
  var matches = document.getElementById("procedure-matches");
  var found = document.getElementById("procedure-status");
  if (box && query && query.tagName === "INPUT" && matches) {
    var timer = null;
    var asked = "";
    var search = function () {
      var words = query.value.trim();
      if (words === asked) return;
      asked = words;
      if (words.length < 2) {
        matches.textContent = "";
        say(found, "");
        return;
      }
      var url = box.dataset.searchUrl + "?page_size=8&q=" + encodeURIComponent(words);
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          if (words !== query.value.trim()) return; // typed on meanwhile
          show(data.items || []);
        })
        .catch(function () {
          asked = "";
          say(found, box.dataset.msgFailed);
        });
    };
    var show = function (items) {
      matches.textContent = "";
      if (!items.length) {
        say(found, box.dataset.msgNone);
        return;
      }
      var group = document.createElement("fieldset");
      group.className = "choices";
      var legend = document.createElement("legend");
      legend.textContent = box.dataset.msgLegend;
      group.appendChild(legend);
      items.forEach(function (item) {
        var label = document.createElement("label");
        var radio = document.createElement("input");
        radio.type = "radio";
        radio.name = "procedure_code";
        radio.value = item.code;
        label.appendChild(radio);
        label.appendChild(document.createTextNode(" " + item.name));
        group.appendChild(label);
      });
      matches.appendChild(group);
      say(
        found,
        items.length === 1
          ? box.dataset.msgOne
          : box.dataset.msgMany.replace("{n}", String(items.length))
      );
    };
    query.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 300);
    });
    // Enter in the search box searches; it does not send the feedback.
    query.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        clearTimeout(timer);
        search();
      }
    });
  }
})();
