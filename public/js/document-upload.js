// 本人確認書類 (views/graduates/apply/documents.pug), progressive enhancement: a chosen file is added
// as soon as it is chosen (the form is posted with 画像を追加), so that it cannot be left behind. Without
// JavaScript the 確認 button posts the same form, and the server adds a chosen file before going on.
(function () {
  'use strict';
  function start() {
    var form = document.querySelector('[data-document-upload]');
    if (!form) return;
    var input = form.querySelector('input[type="file"]');
    var add = form.querySelector('[data-document-add]');
    var hint = form.querySelector('[data-document-hint]');
    if (!input || !add) return;
    if (hint && hint.getAttribute('data-auto-text')) hint.textContent = hint.getAttribute('data-auto-text');
    input.addEventListener('change', function () {
      if (!input.files || input.files.length === 0) return;
      if (form.requestSubmit) form.requestSubmit(add);
      else add.click();
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
