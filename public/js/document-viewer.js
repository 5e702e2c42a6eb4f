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

  // Two or more images: one at a time, chosen by its label (表面 / 裏面 / 画像N), so that the image being
  // compared stays large and the decisions stay in view.
  function switcher(figures) {
    if (figures.length < 2) return;
    var group = document.createElement('div');
    group.className = 'viewer__switch';
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', figures[0].getAttribute('data-switch-label') || '');
    var buttons = [];
    function show(index) {
      for (var i = 0; i < figures.length; i += 1) {
        figures[i].hidden = i !== index;
        buttons[i].setAttribute('aria-pressed', i === index ? 'true' : 'false');
      }
    }
    for (var i = 0; i < figures.length; i += 1) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'button button--small';
      var label = figures[i].querySelector('.viewer__label');
      button.textContent = label ? label.textContent : String(i + 1);
      button.addEventListener('click', show.bind(null, i));
      buttons.push(button);
      group.appendChild(button);
    }
    figures[0].parentNode.insertBefore(group, figures[0]);
    show(0);
  }

  function start() {
    var figures = document.querySelectorAll('[data-viewer]');
    for (var i = 0; i < figures.length; i += 1) setUp(figures[i]);
    switcher(figures);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
