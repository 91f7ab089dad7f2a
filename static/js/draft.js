/*
 * Second line of defence for what people type: every form with a
 * data-draft-key keeps its text fields in localStorage while they type, and
 * offers to put them back if the page is opened again without them (a crash,
 * a closed tab, a save that never arrived). The key carries the goal's
 * version, so a draft is only offered for the version it was written on.
 * No inline script: loaded from static/ so a strict CSP can forbid inline code.
 */
(function () {
  "use strict";
  var PREFIX = "kojo-draft:";

  function storage() {
    try {
      var s = window.localStorage;
      s.setItem(PREFIX + "probe", "1");
      s.removeItem(PREFIX + "probe");
      return s;
    } catch (e) {
      return null;
    }
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.name !== "version" &&
        (el.tagName === "TEXTAREA" || el.type === "text" || el.type === "radio" || el.tagName === "SELECT");
    });
  }

  function read(form) {
    var values = {};
    fields(form).forEach(function (el) {
      if (el.type === "radio") {
        if (el.checked) { values[el.name] = el.value; }
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function write(form, values) {
    fields(form).forEach(function (el) {
      if (!(el.name in values)) { return; }
      if (el.type === "radio") {
        el.checked = el.value === values[el.name];
      } else {
        el.value = values[el.name];
      }
    });
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function offer(form, store, key, saved) {
    var box = document.createElement("div");
    box.className = "draft-offer";
    box.setAttribute("role", "status");
    var text = document.createElement("p");
    text.textContent = "このページで前回入力したまま保存されていない内容が、このブラウザに残っています（" +
      new Date(saved.at).toLocaleString("ja-JP") + "）。";
    var restore = document.createElement("button");
    restore.type = "button";
    restore.textContent = "前回の入力を復元する";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.textContent = "破棄する";
    restore.addEventListener("click", function () {
      write(form, saved.values);
      box.remove();
    });
    discard.addEventListener("click", function () {
      store.removeItem(key);
      box.remove();
    });
    box.appendChild(text);
    box.appendChild(restore);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(discard);
    form.parentNode.insertBefore(box, form);
  }

  // Drafts of older versions of the same goal were saved or superseded.
  function forgetOlderVersions(store, key) {
    var cut = key.lastIndexOf(":v");
    if (cut < 0) { return; }
    var stem = key.slice(0, cut + 2);
    for (var i = store.length - 1; i >= 0; i--) {
      var other = store.key(i);
      if (other && other !== key && other.indexOf(stem) === 0) { store.removeItem(other); }
    }
  }

  function watch(form, store) {
    var key = PREFIX + form.getAttribute("data-draft-key");
    forgetOlderVersions(store, key);
    var initial = read(form);
    var raw = store.getItem(key);
    if (raw) {
      try {
        var saved = JSON.parse(raw);
        if (saved && saved.values && !same(saved.values, initial)) {
          offer(form, store, key, saved);
        }
      } catch (e) {
        store.removeItem(key);
      }
    }
    var keep = function () {
      var values = read(form);
      if (same(values, initial)) {
        store.removeItem(key);
      } else {
        store.setItem(key, JSON.stringify({ at: Date.now(), values: values }));
      }
    };
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    if (form.hasAttribute("data-draft-forget-on-submit")) {
      // A new goal has no version to move the key on; the server keeps a post lost to an expired session.
      form.addEventListener("submit", function () { store.removeItem(key); });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var store = storage();
    if (!store) { return; }
    document.querySelectorAll("form[data-draft-key]").forEach(function (form) {
      watch(form, store);
    });
  });
})();
