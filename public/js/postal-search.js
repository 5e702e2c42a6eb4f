// 郵便番号検索 (progressive enhancement). Without JavaScript the 検索 button submits the form and the
// server fills the address; with it, the button asks GET /postal-codes/:code and fills the fields in place.
//
// Markup (one group per prefix, e.g. "home" and "work"):
//   <input name="home_postal_code"> <button type="submit" name="postal_search" value="home"
//     data-postal-search data-postal-prefix="home"
//     data-msg-found="…" data-msg-multiple="…" data-msg-not-found="…" data-msg-invalid="…" data-msg-error="…">検索</button>
//   <p data-postal-message="home"></p>
//   <input|select name="home_prefecture"> <input name="home_city"> <input name="home_street">
// Optional: data-postal-url="/postal-codes/" on the button (the endpoint's prefix).
(function () {
  'use strict';

  function field(form, name) {
    return (form || document).querySelector('[name="' + name + '"]');
  }

  function say(button, prefix, key, fallback) {
    var box = document.querySelector('[data-postal-message="' + prefix + '"]');
    if (!box) return;
    if (!box.hasAttribute('aria-live')) box.setAttribute('aria-live', 'polite');
    box.textContent = button.getAttribute('data-msg-' + key) || fallback || '';
  }

  function setValue(form, name, value) {
    var input = field(form, name);
    if (!input) return;
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }

  function fill(button, form, prefix, addresses) {
    var first = addresses[0];
    if (/^[0-9]{7}$/.test(first.code)) setValue(form, prefix + '_postal_code', first.code.slice(0, 3) + '-' + first.code.slice(3));
    var samePlace = addresses.every(function (a) { return a.prefecture === first.prefecture && a.city === first.city; });
    var sameTown = addresses.every(function (a) { return a.town === first.town; });
    setValue(form, prefix + '_prefecture', first.prefecture);
    setValue(form, prefix + '_city', samePlace ? first.city : '');
    setValue(form, prefix + '_street', samePlace && sameTown ? first.town : '');
    say(button, prefix, samePlace && sameTown ? 'found' : 'multiple');
    var next = field(form, prefix + '_street');
    if (next && typeof next.focus === 'function') next.focus();
  }

  function search(button) {
    var prefix = button.getAttribute('data-postal-prefix');
    var form = button.form;
    var input = field(form, prefix + '_postal_code');
    if (!prefix || !input) return false;
    var code = input.value.trim();
    if (!code) {
      say(button, prefix, 'invalid');
      return true;
    }
    var base = button.getAttribute('data-postal-url') || '/postal-codes/';
    button.disabled = true;
    fetch(base + encodeURIComponent(code), { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (answer) {
        if (answer.status === 200 && answer.body && answer.body.addresses && answer.body.addresses.length) {
          fill(button, form, prefix, answer.body.addresses);
        } else if (answer.status === 400) {
          say(button, prefix, 'invalid');
        } else if (answer.status === 404) {
          say(button, prefix, 'not-found');
        } else {
          say(button, prefix, 'error');
        }
      })
      .catch(function () { say(button, prefix, 'error'); })
      .then(function () { button.disabled = false; });
    return true;
  }

  document.addEventListener('click', function (event) {
    var target = event.target;
    var button = target && target.closest ? target.closest('[data-postal-search]') : null;
    if (!button || typeof fetch !== 'function') return;
    if (search(button)) event.preventDefault();
  });
})();
