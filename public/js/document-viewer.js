// The review page's document viewer (views/staff/application.pug): zoom and rotate each identity-document
// image. Without this script the images are shown whole and open in a new window; the controls stay hidden.
(function () {
  'use strict';
  var STEPS = [0.5, 0.75, 1, 1.5, 2, 3, 4];

  function setUp(figure) {
    var image = figure.querySelector('.viewer__image');
    var controls = figure.querySelector('.viewer__controls');
    var zoomText = figure.querySelector('.viewer__zoom');
    if (!image || !controls) return;
    var step = 2;
    var turn = 0;

    function apply() {
      var zoom = STEPS[step];
      image.style.width = (zoom * 100) + '%';
      image.style.maxWidth = 'none';
      image.style.transform = turn ? 'rotate(' + (turn * 90) + 'deg)' : '';
      // A quarter turn swaps width and height: keep room for the turned image.
      image.style.margin = turn % 2 ? '15% auto' : 'auto';
      if (zoomText) zoomText.textContent = Math.round(zoom * 100) + '%' + (turn ? ' · ' + turn * 90 + '°' : '');
    }

    controls.addEventListener('click', function (event) {
      var button = event.target.closest('button[data-action]');
      if (!button) return;
      var action = button.getAttribute('data-action');
      if (action === 'zoom-in') step = Math.min(STEPS.length - 1, step + 1);
      else if (action === 'zoom-out') step = Math.max(0, step - 1);
      else if (action === 'rotate') turn = (turn + 1) % 4;
      else if (action === 'reset') { step = 2; turn = 0; }
      apply();
    });
    controls.hidden = false;
  }

  function start() {
    var figures = document.querySelectorAll('[data-viewer]');
    for (var i = 0; i < figures.length; i += 1) setUp(figures[i]);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
