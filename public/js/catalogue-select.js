// 大学名 → 学部名 → 学科名 (views/mixins/application-fields.pug), progressive enhancement. Without
// JavaScript each 選択 button posts the form and the server answers with the next list; with it, the
// lists are filtered in place from the catalogue in <script id="catalogue-data" type="application/json">
// and the 選択 buttons are hidden.
(function () {
  'use strict';
  function start() {
    var box = document.querySelector('[data-catalogue]');
    var data = document.getElementById('catalogue-data');
    if (!box || !data) return;
    var entries;
    try { entries = JSON.parse(data.textContent || '[]'); } catch (e) { return; }
    var university = box.querySelector('[data-catalogue-level="university"]');
    var faculty = box.querySelector('[data-catalogue-level="faculty"]');
    var department = box.querySelector('[data-catalogue-level="department"]');
    if (!university || !faculty || !department) return;
    var steps = box.querySelectorAll('[data-catalogue-step]');
    for (var i = 0; i < steps.length; i += 1) steps[i].hidden = true;

    function fill(select, items) {
      var placeholder = select.options[0] ? select.options[0].textContent : '';
      var current = select.value;
      while (select.options.length) select.remove(0);
      select.add(new Option(placeholder, ''));
      items.forEach(function (item) { select.add(new Option(item.label, item.value)); });
      select.value = items.some(function (item) { return item.value === current; }) ? current : '';
    }
    function distinct(values) {
      return values.filter(function (v, index) { return values.indexOf(v) === index; });
    }
    function faculties() {
      var u = university.value;
      fill(faculty, u ? distinct(entries.filter(function (e) { return e.u === u; }).map(function (e) { return e.f; }))
        .map(function (f) { return { value: f, label: f }; }) : []);
    }
    function departments() {
      var u = university.value;
      var f = faculty.value;
      fill(department, u && f ? entries.filter(function (e) { return e.u === u && e.f === f; })
        .map(function (e) { return { value: e.id, label: e.d }; }) : []);
    }
    university.addEventListener('change', function () { faculties(); departments(); });
    faculty.addEventListener('change', departments);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
