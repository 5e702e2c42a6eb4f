// After a failed submit the error summary (views/mixins/forms.pug) takes the focus, so that a screen
// reader reads the list of problems first. `autofocus` does this in most browsers; this covers the
// others. A link of the summary moves the focus to its control (not only the scroll position).
(function () {
  'use strict';
  function start() {
    var summary = document.querySelector('[data-error-summary]');
    if (!summary) return;
    if (document.activeElement !== summary) summary.focus();
    summary.addEventListener('click', function (event) {
      var link = event.target && event.target.closest ? event.target.closest('a[href^="#"]') : null;
      if (!link) return;
      var target = document.getElementById(decodeURIComponent(link.getAttribute('href').slice(1)));
      if (!target) return;
      event.preventDefault();
      target.scrollIntoView({ block: 'center' });
      target.focus();
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
