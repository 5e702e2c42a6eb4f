// 本人確認書類 (views/graduates/apply/documents.pug), progressive enhancement: a chosen file is added
// as soon as it is chosen (the form is posted with 画像を追加), so that it cannot be left behind; if the
// document type is not chosen yet, the file waits for it (it is added when the type is chosen). Without
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
    var type = form.querySelector('select[name="document_type"]');
    if (hint && hint.getAttribute('data-auto-text')) hint.textContent = hint.getAttribute('data-auto-text');
    function addChosen() {
      if (!input.files || input.files.length === 0) return;
      if (type && !type.value) {
        if (hint && hint.getAttribute('data-wait-text')) hint.textContent = hint.getAttribute('data-wait-text');
        type.focus();
        return;
      }
      if (form.requestSubmit) form.requestSubmit(add);
      else add.click();
    }
    input.addEventListener('change', addChosen);
    if (type) type.addEventListener('change', addChosen);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
