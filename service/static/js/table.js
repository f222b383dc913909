// Sortable, filterable tables (templates/_macros.html sortable_table): a column's heading is a button
// that sorts by it (again to reverse); cells with data-sort sort as numbers, others as text in the
// page's language. The filter box keeps the rows whose text contains what is typed.
(function () {
  "use strict";
  var lang = document.documentElement.lang || undefined;
  var collator = new Intl.Collator(lang, { numeric: true, sensitivity: "base" });

  function key(cell) {
    if (!cell) return "";
    return cell.dataset.sort !== undefined ? parseFloat(cell.dataset.sort) : cell.textContent.trim();
  }

  function sortBy(table, index, button) {
    var ascending = button.getAttribute("data-next") !== "descending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[index]), y = key(b.cells[index]);
      var order = typeof x === "number" && typeof y === "number" ? x - y : collator.compare(String(x), String(y));
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("thead th").forEach(function (th) { th.removeAttribute("aria-sort"); });
    button.parentElement.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    button.setAttribute("data-next", ascending ? "descending" : "ascending");
  }

  function filter(table, text, status) {
    var needle = text.trim().toLowerCase();
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var keep = !needle || row.textContent.toLowerCase().indexOf(needle) !== -1;
      row.hidden = !keep;
      if (keep) shown += 1;
    });
    if (status) status.textContent = needle ? shown + " / " + table.tBodies[0].rows.length : "";
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("thead th button.sort").forEach(function (button, index) {
      button.addEventListener("click", function () { sortBy(table, index, button); });
    });
    var tools = table.parentElement.previousElementSibling;
    var box = tools && tools.querySelector(".table-filter");
    if (box) {
      box.addEventListener("input", function () { filter(table, box.value, tools.querySelector("[data-shown]")); });
    }
  });
})();
