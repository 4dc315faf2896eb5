// The incident form: sub-types that follow the type, "add another" rows, actor search by alias, and the
// choices that point at other rows (perpetrators, victims' records, new claims) kept in step with those rows.
// Everything here is an aid: the form posts and validates the same without it.
(function () {
  "use strict";

  function rowIndex(row) {
    var named = row.querySelector("[name]");
    var match = named && named.name.match(/^[a-z]+-(\d+)-/);
    return match ? match[1] : null;
  }

  function rows(form, prefix) {
    return Array.prototype.filter.call(
      form.querySelectorAll('[data-formset="' + prefix + '"] [data-rows] > .form-row'),
      function (row) {
        var remove = row.querySelector('input[name$="-DELETE"]');
        return !(remove && remove.checked);
      }
    );
  }

  function field(row, name) {
    return row.querySelector('[name$="-' + name + '"]');
  }

  // Updates the options in place (adds, relabels, removes): rebuilding them would drop the selection, and
  // re-selecting options makes Chrome scroll the page to the list box, which moves a button from under a click.
  function setOptions(select, wanted, keep) {
    var existing = {};
    Array.prototype.slice.call(select.options).forEach(function (option) {
      if (!(keep && keep(option))) existing[option.value] = option;
    });
    var seen = {};
    wanted.forEach(function (item) {
      seen[item[0]] = true;
      var option = existing[item[0]];
      if (!option) select.add(new Option(item[1], item[0]));
      else if (option.text !== item[1]) option.text = item[1];
    });
    Object.keys(existing).forEach(function (value) {
      if (!seen[value]) existing[value].remove();
    });
  }

  function refreshChoices(form) {
    var participants = rows(form, "participants").map(function (row) {
      var name = field(row, "actor_name").value.trim();
      return { index: rowIndex(row), name: name, role: field(row, "role").value };
    }).filter(function (item) { return item.name; });
    var perpetrators = participants.filter(function (item) { return item.role === "perpetrator"; })
      .map(function (item) { return [item.index, item.name]; });
    var actors = participants.map(function (item) { return [item.index, item.name]; });
    var records = rows(form, "casualties").map(function (row) {
      var harm = field(row, "harm"), status = field(row, "victim_status");
      return [rowIndex(row), "#" + (Number(rowIndex(row)) + 1) + " " + harm.options[harm.selectedIndex].text + " " +
        status.options[status.selectedIndex].text];
    });
    var newClaims = rows(form, "evidence").map(function (row) {
      var title = field(row, "document_title").value.trim() || field(row, "claim_quote").value.trim();
      return title ? ["new" + rowIndex(row), (form.dataset.newClaimLabel || "New:") + " " + title] : null;
    }).filter(Boolean);

    form.querySelectorAll('select[data-choices="perpetrators"]').forEach(function (select) {
      setOptions(select, perpetrators);
    });
    form.querySelectorAll('select[data-choices="actors"]').forEach(function (select) {
      setOptions(select, actors);
    });
    form.querySelectorAll('select[data-choices="records"]').forEach(function (select) {
      setOptions(select, [["", "—"]].concat(records));
    });
    form.querySelectorAll('select[data-choices="claims"]').forEach(function (select) {
      setOptions(select, newClaims, function (option) { return !/^new/.test(option.value); });
    });
  }

  function filterSubTypes(form) {
    var data = document.getElementById("sub-event-types");
    var type = form.querySelector("#id_event_type");
    var sub = form.querySelector("#id_sub_event_type");
    if (!data || !type || !sub) return;
    var byType = JSON.parse(data.textContent);
    var allowed = byType[type.value] || [];
    Array.prototype.forEach.call(sub.options, function (option) {
      var ok = option.value === "" || allowed.indexOf(option.value) !== -1;
      option.hidden = !ok;
      option.disabled = !ok;
    });
    if (sub.value && allowed.indexOf(sub.value) === -1) sub.value = "";
  }

  function addRow(form, prefix) {
    var fieldset = form.querySelector('[data-formset="' + prefix + '"]');
    var total = fieldset.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var template = fieldset.querySelector("template[data-empty-row]");
    var index = Number(total.value);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    fieldset.querySelector("[data-rows]").appendChild(row);
    total.value = String(index + 1);
    refreshChoices(form);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  }

  // The fields other rows' choices are named after; a change elsewhere leaves those choices alone.
  var REFERRED = "[name$='-actor_name'], [name$='-role'], [name$='-harm'], [name$='-victim_status'], " +
    "[name$='-document_title'], [name$='-claim_quote'], [name$='-DELETE']";

  var timers = new WeakMap();

  function searchActors(form, input) {
    var row = input.closest(".form-row");
    var list = row.querySelector("[data-suggestions]");
    var hidden = field(row, "actor");
    if (hidden) hidden.value = "";
    clearTimeout(timers.get(input));
    var query = input.value.trim();
    if (!query) { list.innerHTML = ""; return; }
    timers.set(input, setTimeout(function () {
      var url = form.dataset.actorSearchUrl + "?q=" + encodeURIComponent(query);
      fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { if (input.value.trim() === query) list.innerHTML = html; });
    }, 200));
  }

  function chooseActor(form, button) {
    var row = button.closest(".form-row");
    field(row, "actor").value = button.dataset.actorId;
    field(row, "actor_name").value = button.dataset.actorName;
    row.querySelector("[data-suggestions]").innerHTML = "";
    refreshChoices(form);
  }

  function start() {
    var form = document.getElementById("incident-form");
    if (!form) return;
    form.querySelectorAll("[data-add-row]").forEach(function (button) {
      button.hidden = false;
    });
    filterSubTypes(form);
    refreshChoices(form);
    form.addEventListener("click", function (event) {
      var add = event.target.closest("[data-add-row]");
      if (add) { event.preventDefault(); addRow(form, add.dataset.addRow); return; }
      var suggestion = event.target.closest("button[data-actor-id]");
      if (suggestion) { event.preventDefault(); chooseActor(form, suggestion); }
    });
    form.addEventListener("input", function (event) {
      if (event.target.matches("[data-actor-search]")) searchActors(form, event.target);
    });
    form.addEventListener("change", function (event) {
      if (event.target.id === "id_event_type") filterSubTypes(form);
      if (event.target.name && /-DELETE$/.test(event.target.name)) {
        event.target.closest(".form-row").classList.toggle("removed", event.target.checked);
      }
      if (event.target.matches(REFERRED)) refreshChoices(form);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
