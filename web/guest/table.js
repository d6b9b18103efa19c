'use strict';
(function () {
  var parts = location.pathname.split('/');
  var token = parts.length >= 3 && parts[1] === 't' && /^[A-Za-z0-9_-]{1,200}$/.test(parts[2]) ? parts[2] : '';
  var api = '/api/v1/qr/' + token;
  var POLL_MS = 5000;
  var STEPS = ['placed', 'accepted', 'preparing', 'ready', 'served'];
  var LABELS = {placed: 'Sent to the kitchen', accepted: 'Accepted', preparing: 'Being prepared',
    ready: 'Ready', served: 'Served', completed: 'Completed', cancelled: 'Cancelled'};
  var DONE = {completed: true, cancelled: true};
  var STORE = 'buffr-qr-orders:' + token;
  var menu = null, byId = {}, cart = [], cartKey = '', sending = false;
  var currency = '', fmt = null, scale = 100;
  var orders = [], pollTimer = 0, sheetAction = null;

  function $(id) { return document.getElementById(id); }
  /* Every text from the server goes through textContent: never parsed as HTML. */
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function button(text, cls, onclick, label) {
    var b = el('button', cls, text);
    b.type = 'button';
    if (label) b.setAttribute('aria-label', label);
    if (onclick) b.addEventListener('click', onclick);
    return b;
  }
  function setCurrency(code) {
    currency = code || '';
    try {
      fmt = new Intl.NumberFormat(undefined, {style: 'currency', currency: currency});
      scale = Math.pow(10, fmt.resolvedOptions().maximumFractionDigits);
    } catch (e) {
      fmt = null;
      scale = 100;
    }
  }
  /* Amounts are integers in the currency's minor units (cents). */
  function money(minor) {
    var v = minor / scale;
    return fmt ? fmt.format(v) : v.toFixed(2) + ' ' + currency;
  }
  function delta(minor) {
    return minor > 0 ? '+' + money(minor) : minor < 0 ? '\u2212' + money(-minor) : '';
  }
  function newKey() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }
  function call(method, path, body, headers) {
    var opts = {method: method, cache: 'no-store', credentials: 'omit', headers: {Accept: 'application/json'}};
    Object.keys(headers || {}).forEach(function (k) { opts.headers[k] = headers[k]; });
    if (body !== undefined) {
      opts.body = JSON.stringify(body);
      opts.headers['Content-Type'] = 'application/json';
    }
    return fetch(api + path, opts).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (data) {
        return {status: res.status, data: data};
      });
    }, function () { return {status: 0, data: null}; });
  }
  function message(r, fallback) {
    return (r.data && r.data.error && r.data.error.message) || fallback;
  }
  function notice(text, bad, retry) {
    var n = $('notice');
    n.textContent = '';
    n.className = bad ? 'notice bad' : 'notice';
    n.appendChild(el('span', null, text));
    if (retry) n.appendChild(button('Retry', null, retry));
    n.hidden = !text;
  }
  function showInvalid() {
    clearTimeout(pollTimer);
    pollTimer = 0;
    closeSheet();
    ['menu', 'nav', 'bar', 'orders', 'loading', 'empty', 'notice'].forEach(function (id) { $(id).hidden = true; });
    $('invalid').hidden = false;
  }

  /* ---- the menu ---- */
  function loadMenu() {
    return call('GET', '/menu').then(function (r) {
      $('loading').hidden = true;
      if (r.status === 401 || r.status === 404) {
        showInvalid();
        return false;
      }
      if (r.status !== 200 || !r.data) {
        notice(r.status === 0 ? 'No connection to the restaurant.' : message(r, 'The menu could not be loaded.'), true,
          function () { notice(''); $('loading').hidden = false; loadMenu(); });
        return false;
      }
      menu = r.data;
      setCurrency(menu.currency);
      if (menu.property_name) {
        $('place').textContent = menu.property_name;
        document.title = menu.property_name;
      }
      if (menu.table) $('where').textContent = 'Table ' + menu.table;
      renderMenu();
      return true;
    });
  }
  function renderMenu() {
    var root = $('menu'), nav = $('nav'), count = 0;
    root.textContent = '';
    nav.textContent = '';
    byId = {};
    (menu.categories || []).forEach(function (cat, ci) {
      var list = cat.items || [];
      if (!list.length) return;
      var sec = el('section', 'cat');
      sec.id = 'c' + ci;
      sec.appendChild(el('h2', null, cat.name));
      list.forEach(function (it) {
        byId[it.id] = it;
        sec.appendChild(itemCard(it));
        count++;
      });
      root.appendChild(sec);
      var a = el('a', 'chip', cat.name);
      a.href = '#c' + ci;
      nav.appendChild(a);
    });
    // Menus not serving now are not shown; say when they are.
    (menu.menus || []).forEach(function (m) {
      if (m.open_now || !m.available_from || !m.available_until) return;
      root.appendChild(el('p', 'muted', m.name + ': served from ' + m.available_from +
        ' to ' + m.available_until + '.'));
    });
    root.hidden = false;
    nav.hidden = nav.childElementCount < 2;
    $('empty').hidden = count > 0;
  }
  function describe(parent, it) {
    if (it.description) parent.appendChild(el('p', 'desc', it.description));
    var tags = el('div', 'tags');
    (it.dietary || []).forEach(function (d) { tags.appendChild(el('span', 'tag', d)); });
    if (tags.childElementCount) parent.appendChild(tags);
    if ((it.allergens || []).length) parent.appendChild(el('p', 'allergens', 'Allergens: ' + it.allergens.join(', ')));
  }
  function itemCard(it) {
    var off = it.available === false;
    var card = el('article', off ? 'item off' : 'item');
    if (it.has_image) {
      var img = el('img', 'thumb');
      img.alt = '';
      img.loading = 'lazy';
      img.src = api + '/menu/items/' + encodeURIComponent(it.id) + '/image';
      card.appendChild(img);
    }
    var body = el('div', 'grow');
    body.appendChild(el('h3', null, it.name));
    describe(body, it);
    card.appendChild(body);
    var side = el('div', 'side');
    side.appendChild(el('span', 'price', money(it.price)));
    var add = button(off ? 'Sold out' : 'Add', off ? null : 'primary', off ? null : function () { openItem(it); },
      off ? null : 'Add ' + it.name);
    add.disabled = off;
    side.appendChild(add);
    card.appendChild(side);
    return card;
  }
  function rule(g) {
    if (g.min_select === g.max_select) return 'choose ' + g.min_select;
    if (g.min_select === 0) return g.max_select === 1 ? 'optional' : 'optional, up to ' + g.max_select;
    return 'choose ' + g.min_select + ' to ' + g.max_select;
  }

  /* ---- the sheet: one item's choices, or the order before sending ---- */
  function openSheet(title, action) {
    $('sheet-title').textContent = title;
    $('sheet-body').textContent = '';
    $('sheet-error').hidden = true;
    sheetAction = action;
    $('sheet').hidden = false;
    document.body.classList.add('locked');
    return $('sheet-body');
  }
  function closeSheet() {
    $('sheet').hidden = true;
    sheetAction = null;
    document.body.classList.remove('locked');
  }
  function sheetError(text) {
    $('sheet-error').textContent = text;
    $('sheet-error').hidden = !text;
  }
  function stepper(value, min, max, onchange, what) {
    var box = el('span', 'stepper');
    var shown = el('span', 'qty', value);
    var minus = button('\u2212', null, function () { set(value - 1); }, 'One less ' + what);
    var plus = button('+', null, function () { set(value + 1); }, 'One more ' + what);
    function set(v) {
      value = Math.max(min, Math.min(max, v));
      shown.textContent = value;
      minus.disabled = value <= min;
      plus.disabled = value >= max;
      onchange(value);
    }
    minus.disabled = value <= min;
    box.appendChild(minus);
    box.appendChild(shown);
    box.appendChild(plus);
    return box;
  }
  function openItem(it) {
    var groups = it.modifier_groups || [], chosen = groups.map(function () { return []; });
    var qty = 1, touched = false;
    var body = openSheet(it.name, function () {
      touched = true;
      if (!update()) return;
      var options = [];
      groups.forEach(function (g, gi) {
        (g.options || []).forEach(function (o) { if (chosen[gi].indexOf(o.id) >= 0) options.push(o); });
      });
      addToCart(it, options, note.value.trim(), qty);
      closeSheet();
    });
    describe(body, it);
    var sets = groups.map(function (g, gi) {
      var fs = el('fieldset');
      var legend = el('legend', null, g.name);
      var hint = el('span', 'hint', rule(g));
      legend.appendChild(hint);
      fs.appendChild(legend);
      var boxes = [];
      (g.options || []).forEach(function (o) {
        var label = el('label', 'opt');
        var box = el('input');
        box.type = g.max_select === 1 ? 'radio' : 'checkbox';
        box.name = 'g' + gi;
        box.value = o.id;
        boxes.push(box);
        /* A radio that is clicked again is cleared, when the group is optional. */
        box.addEventListener('click', function () {
          if (g.max_select === 1 && g.min_select === 0 && chosen[gi][0] === o.id) box.checked = false;
          chosen[gi] = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
          boxes.forEach(function (b) { if (box.type === 'checkbox') b.disabled = !b.checked && chosen[gi].length >= g.max_select; });
          update();
        });
        label.appendChild(box);
        label.appendChild(el('span', 'opt-name', o.name));
        if (o.price_delta) label.appendChild(el('span', 'sub', delta(o.price_delta)));
        fs.appendChild(label);
      });
      body.appendChild(fs);
      return fs;
    });
    body.appendChild(el('label', 'field', 'Note for the kitchen (optional)'));
    var note = el('textarea');
    note.rows = 2;
    note.maxLength = 200;
    note.setAttribute('aria-label', 'Note for the kitchen');
    body.appendChild(note);
    var qrow = el('div', 'row');
    qrow.appendChild(el('span', 'field', 'Quantity'));
    qrow.appendChild(stepper(1, 1, 99, function (v) { qty = v; update(); }, it.name));
    body.appendChild(qrow);
    function unitPrice() {
      var p = it.price;
      groups.forEach(function (g, gi) {
        (g.options || []).forEach(function (o) { if (chosen[gi].indexOf(o.id) >= 0) p += o.price_delta; });
      });
      return p;
    }
    function update() {
      var ok = true;
      groups.forEach(function (g, gi) {
        var bad = chosen[gi].length < g.min_select || chosen[gi].length > g.max_select;
        sets[gi].className = bad && touched ? 'bad' : '';
        ok = ok && !bad;
      });
      $('sheet-action').textContent = 'Add ' + qty + ' to order \u00b7 ' + money(unitPrice() * qty);
      if (!ok && touched) sheetError('Please make the choices marked above.');
      else sheetError('');
      return ok;
    }
    update();
    $('sheet-action').disabled = false;
  }

  /* ---- the order being put together ---- */
  function lineKey(l) {
    return l.item.id + '|' + l.options.map(function (o) { return o.id; }).sort().join(',') + '|' + l.note;
  }
  function lineUnit(l) {
    return l.options.reduce(function (p, o) { return p + o.price_delta; }, l.item.price);
  }
  function addToCart(it, options, note, qty) {
    var l = {item: it, options: options, note: note, qty: qty};
    var same = cart.filter(function (c) { return lineKey(c) === lineKey(l); })[0];
    if (same) same.qty = Math.min(999, same.qty + qty);
    else cart.push(l);
    cartKey = '';
    updateBar();
  }
  function cartTotals() {
    return cart.reduce(function (t, l) { return {n: t.n + l.qty, sum: t.sum + lineUnit(l) * l.qty}; }, {n: 0, sum: 0});
  }
  function updateBar() {
    var t = cartTotals();
    $('bar').hidden = t.n === 0 || !$('invalid').hidden;
    $('bar-count').textContent = 'View order (' + t.n + ')';
    $('bar-total').textContent = money(t.sum);
  }
  function openCart() {
    var body = openSheet('Your order', placeOrder);
    renderCart(body);
  }
  function renderCart(body) {
    body.textContent = '';
    cart.forEach(function (l, i) {
      var row = el('div', 'line');
      var text = el('div', 'grow');
      text.appendChild(el('div', null, l.item.name));
      if (l.options.length) text.appendChild(el('div', 'sub', l.options.map(function (o) { return o.name; }).join(', ')));
      if (l.note) text.appendChild(el('div', 'sub', '\u201c' + l.note + '\u201d'));
      text.appendChild(el('div', 'sub', money(lineUnit(l) * l.qty)));
      row.appendChild(text);
      row.appendChild(stepper(l.qty, 0, 999, function (v) {
        cartKey = '';
        if (v === 0) cart.splice(i, 1);
        else l.qty = v;
        updateBar();
        if (!cart.length) closeSheet();
        else renderCart(body);
      }, l.item.name));
      body.appendChild(row);
    });
    var t = cartTotals();
    var sum = el('div', 'sum total');
    sum.appendChild(el('span', null, 'Subtotal'));
    sum.appendChild(el('span', null, money(t.sum)));
    body.appendChild(sum);
    body.appendChild(el('p', 'sub', menu && menu.tax_inclusive ? 'Prices include tax.' : 'Tax is added to the total.'));
    $('sheet-action').textContent = 'Place order \u00b7 ' + money(t.sum);
    $('sheet-action').disabled = sending;
  }
  function orderBody() {
    return {items: cart.map(function (l) {
      var line = {menu_item_id: l.item.id, quantity: l.qty, options: l.options.map(function (o) { return o.id; })};
      if (l.note) line.note = l.note;
      return line;
    })};
  }
  /* The same key for every try of the same order: a retry after a lost
   * answer gives back the order already placed instead of a second one. */
  function placeOrder() {
    if (sending || !cart.length) return;
    sending = true;
    if (!cartKey) cartKey = newKey();
    var key = cartKey, body = orderBody();
    $('sheet-action').disabled = true;
    $('sheet-action').textContent = 'Sending\u2026';
    sheetError('');
    function attempt(left) {
      return call('POST', '/orders', body, {'Idempotency-Key': key}).then(function (r) {
        if (r.status === 409 && left > 0)
          return new Promise(function (ok) { setTimeout(ok, 1500); }).then(function () { return attempt(left - 1); });
        return r;
      });
    }
    attempt(2).then(function (r) {
      sending = false;
      if (r.status === 201 && r.data) {
        cart = [];
        cartKey = '';
        closeSheet();
        updateBar();
        track(r.data);
        notice('Your order has been sent. You can follow it here.');
        window.scrollTo(0, 0);
        return;
      }
      if (r.status === 401) {
        showInvalid();
        return;
      }
      var text = r.status === 0 ? 'No connection to the restaurant. Please try again.'
        : message(r, 'The order could not be placed. Please try again.');
      if (r.status === 400 || r.status === 422) {
        cartKey = '';
        loadMenu().then(function (ok) {
          if (!ok) return;
          var gone = cart.filter(function (l) { return !byId[l.item.id]; });
          cart = cart.filter(function (l) { return byId[l.item.id]; });
          if (gone.length) text = gone.map(function (l) { return l.item.name; }).join(', ') + ': no longer available, removed from your order.';
          updateBar();
          if (!cart.length) {
            closeSheet();
            notice(text, true);
            return;
          }
          renderCart($('sheet-body'));
          sheetError(text);
        });
        return;
      }
      renderCart($('sheet-body'));
      sheetError(text);
    });
  }

  /* ---- following the orders placed from this phone ---- */
  function loadOrders() {
    try {
      var saved = JSON.parse(localStorage.getItem(STORE) || '[]'), now = Date.now();
      orders = saved.filter(function (o) { return o && typeof o.id === 'string' && now - o.at < 12 * 3600 * 1000; })
        .map(function (o) { return {id: o.id, at: o.at, data: null}; });
    } catch (e) {
      orders = [];
    }
  }
  function saveOrders() {
    try {
      localStorage.setItem(STORE, JSON.stringify(orders.map(function (o) { return {id: o.id, at: o.at}; })));
    } catch (e) { /* private mode: follow this visit only */ }
  }
  function track(order) {
    orders.unshift({id: order.id, at: Date.now(), data: order});
    saveOrders();
    renderOrders();
    schedule();
  }
  function clock(iso) {
    var d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleTimeString(undefined, {hour: '2-digit', minute: '2-digit'});
  }
  function orderCard(d) {
    var card = el('article', 'order');
    var head = el('div', 'row');
    head.appendChild(el('h3', null, 'Order of ' + clock(d.placed_at)));
    head.appendChild(el('span', 'badge s-' + d.status, LABELS[d.status] || d.status));
    card.appendChild(head);
    if (d.status !== 'cancelled') {
      var at = d.status === 'completed' ? STEPS.length : STEPS.indexOf(d.status);
      var steps = el('ol', 'steps');
      steps.setAttribute('aria-label', LABELS[d.status] || d.status);
      STEPS.forEach(function (s, i) { steps.appendChild(el('li', i <= at ? 'done' : null)); });
      card.appendChild(steps);
    }
    (d.items || []).forEach(function (it) {
      var row = el('div', 'sum');
      var name = el('span', it.status === 'voided' ? 'voided' : null, it.quantity + ' \u00d7 ' + it.name);
      var opts = (it.options || []).map(function (o) { return o.name; }).join(', ');
      if (opts) name.appendChild(el('span', 'sub', ' (' + opts + ')'));
      if (it.note) name.appendChild(el('span', 'sub', ' \u201c' + it.note + '\u201d'));
      row.appendChild(name);
      row.appendChild(el('span', it.status === 'voided' ? 'voided' : null, money(it.line_total)));
      card.appendChild(row);
    });
    function sum(label, amount, cls) {
      var row = el('div', cls || 'sum sub');
      row.appendChild(el('span', null, label));
      row.appendChild(el('span', null, amount));
      card.appendChild(row);
    }
    if (d.discount_total) sum('Discount', '\u2212' + money(d.discount_total));
    sum(d.tax_inclusive ? 'Tax included' : 'Tax', money(d.tax));
    if (d.tip) sum('Tip', money(d.tip));
    sum('Total', money(d.total), 'sum total');
    return card;
  }
  function renderOrders() {
    var list = $('order-list');
    list.textContent = '';
    orders.forEach(function (o) { if (o.data) list.appendChild(orderCard(o.data)); });
    $('orders').hidden = !list.childElementCount || !$('invalid').hidden;
  }
  function openOrders() {
    return orders.filter(function (o) { return !o.data || !DONE[o.data.status]; });
  }
  function schedule() {
    if (!pollTimer && openOrders().length) pollTimer = setTimeout(poll, POLL_MS);
  }
  function poll() {
    pollTimer = 0;
    if (document.hidden) return schedule();
    var todo = openOrders();
    return Promise.all(todo.map(function (o) {
      return call('GET', '/orders/' + encodeURIComponent(o.id)).then(function (r) {
        if (r.status === 200 && r.data) o.data = r.data;
        else if (r.status === 404) o.gone = true;
        return r.status;
      });
    })).then(function (codes) {
      if (codes.indexOf(401) >= 0) return showInvalid();
      orders = orders.filter(function (o) { return !o.gone; });
      saveOrders();
      renderOrders();
      schedule();
    });
  }

  $('sheet-close').addEventListener('click', closeSheet);
  $('sheet').addEventListener('click', function (ev) { if (ev.target === $('sheet')) closeSheet(); });
  document.addEventListener('keydown', function (ev) { if (ev.key === 'Escape' && !$('sheet').hidden) closeSheet(); });
  $('sheet-action').addEventListener('click', function () { if (sheetAction) sheetAction(); });
  $('view').addEventListener('click', openCart);
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden && pollTimer) {
      clearTimeout(pollTimer);
      poll();
    }
  });
  if (!token) {
    showInvalid();
    return;
  }
  loadOrders();
  loadMenu().then(function (ok) { if (ok) poll(); });
})();
