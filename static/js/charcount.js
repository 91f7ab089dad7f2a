/*
 * The length of a text as people type it, next to the field: a textarea with
 * data-char-count="<id of the output>" updates that element. The count is in
 * characters as the server counts them (code points, so 𠮷 is one), with the
 * limit and the length that fits one page of the printed sheet
 * (data-page-length). No inline script: a strict CSP forbids it.
 */
(function () {
  "use strict";

  function length(text) {
    return Array.from(text.replace(/\r\n/g, "\n")).length;
  }

  function update(field, output) {
    var count = length(field.value);
    var limit = parseInt(field.getAttribute("data-limit") || output.getAttribute("data-limit"), 10);
    var page = parseInt(field.getAttribute("data-page-length"), 10);
    var text = "現在" + count + "字（上限" + limit + "字）";
    output.classList.remove("over-page", "over-limit");
    if (count > limit) {
      text += "。上限を" + (count - limit) + "字超えています";
      output.classList.add("over-limit");
    } else if (page && count > page) {
      text += "。印刷する取組シートでは次のページに続きます";
      output.classList.add("over-page");
    }
    output.textContent = text;
  }

  function start() {
    var fields = document.querySelectorAll("textarea[data-char-count]");
    Array.prototype.forEach.call(fields, function (field) {
      var output = document.getElementById(field.getAttribute("data-char-count"));
      if (!output) {
        return;
      }
      update(field, output);
      field.addEventListener("input", function () {
        update(field, output);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
