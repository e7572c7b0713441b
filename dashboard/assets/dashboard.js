/* Troupe live dashboard: plain browser JavaScript, no build step. Data comes from the server's JSON
 * routes and its /live event stream; charts are drawn by uPlot (served from node_modules). */
(function () {
  'use strict';

  var MAX_EVENTS = 100;
  var MAX_DEAD = 50;
  var key = new URLSearchParams(location.search).get('key');
  var palette = ['#2f6fde', '#1f9d55', '#d97706', '#9333ea', '#0891b2', '#d64545', '#65a30d', '#db2777'];

  function withKey(path) {
    return key ? path + (path.indexOf('?') < 0 ? '?' : '&') + 'key=' + encodeURIComponent(key) : path;
  }

  function $(id) { return document.getElementById(id); }

  /** Build an element; children are nodes or strings (set as text, never parsed as HTML). */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (attrs[k] === undefined || attrs[k] === null) continue;
      if (k === 'class') node.className = attrs[k];
      else if (k === 'style') node.setAttribute('style', attrs[k]);
      else node.setAttribute(k, attrs[k]);
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === undefined || c === null) continue;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return node;
  }

  var fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
  var compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumSignificantDigits: 3 });
  function num(n) { return n === null || n === undefined ? '–' : Math.abs(n) >= 100000 ? compact.format(n) : fmt.format(n); }
  function clock(ms) { return new Date(ms).toLocaleTimeString(); }

  // ------------------------------------------------------------------ totals and workers

  function renderTotals(t) {
    $('stat-workers').textContent = num(t.workers);
    $('stat-actors').textContent = num(t.actors);
    $('stat-throughput').textContent = num(t.throughput);
    $('stat-mailboxes').textContent = num(t.mailboxes);
    $('stat-restarts').textContent = String(t.restarts);
    $('stat-dead').textContent = num(t.deadLetters);
    $('stat-alerts').textContent = String(t.alertsActive);
  }

  function renderWorkers(workers) {
    var body = $('workers').tBodies[0];
    var max = 1;
    workers.forEach(function (w) { max = Math.max(max, w.rate); });
    body.replaceChildren.apply(body, workers.map(function (w) {
      // Load is the worker's event-loop utilization when the runtime reports it, else its share of the busiest worker's rate.
      var share = w.load !== null && w.load !== undefined ? w.load : w.rate / max;
      var pct = Math.max(0, Math.min(100, Math.round(share * 100)));
      var title = w.load !== null && w.load !== undefined ? pct + '% busy (event-loop utilization)' : pct + '% of the busiest worker';
      return el('tr', { 'data-worker': w.worker },
        el('td', null, 'worker ' + w.worker),
        el('td', null, el('div', { class: 'bar', title: title }, el('span', { style: 'width:' + pct + '%' })), el('small', null, pct + '%')),
        el('td', { class: 'num' }, num(w.rate)),
        el('td', { class: 'num' }, num(w.actors)),
        el('td', { class: 'num' }, num(w.mailboxes)),
        el('td', { class: 'num' }, num(w.runQueue)),
        el('td', { class: 'num' }, num(w.handled)),
        el('td', { class: 'num' }, num(w.failures)));
    }));
  }

  function renderMailboxes(deepest) {
    var body = $('mailboxes').tBodies[0];
    if (!deepest.length) { body.replaceChildren(el('tr', null, el('td', { class: 'empty', colspan: 3 }, 'every mailbox is empty'))); return; }
    body.replaceChildren.apply(body, deepest.map(function (d) {
      return el('tr', null, el('td', null, d.actor || 'all of worker ' + d.worker), el('td', { class: 'num' }, d.worker), el('td', { class: 'num' }, num(d.depth)));
    }));
  }

  // ------------------------------------------------------------------ supervision tree

  var actorNodes = new Map();

  function renderTree(payload) {
    actorNodes.clear();
    var total = payload.total !== undefined ? payload.total : payload.actors.length;
    $('actor-count').textContent = total + ' actor' + (total === 1 ? '' : 's') + (payload.truncated ? ' (first ' + payload.actors.length + ' shown)' : '');
    var root = $('actor-tree');
    if (!payload.tree.length) { root.replaceChildren(el('li', { class: 'empty' }, 'no actors')); return; }
    root.replaceChildren.apply(root, payload.tree.map(treeItem));
  }

  function treeItem(node) {
    var restarts = el('span', { class: 'restarts', 'data-restarts': node.restarts }, node.restarts ? '↻ ' + node.restarts : '');
    var state = el('span', { class: 'tag ' + node.state }, node.state);
    var li = el('li', { 'data-actor-id': node.id },
      state, el('span', { class: 'id' }, node.id),
      el('span', { class: 'meta' }, node.behaviour + ' · worker ' + node.worker), restarts);
    actorNodes.set(node.id, { restarts: restarts, state: state, count: node.restarts });
    if (node.children.length) {
      var ul = el('ul', null);
      node.children.forEach(function (c) { ul.appendChild(treeItem(c)); });
      li.appendChild(ul);
    }
    return li;
  }

  function markRestart(actor) {
    var n = actorNodes.get(actor);
    if (!n) return;
    n.count++;
    n.restarts.textContent = '↻ ' + n.count;
    n.restarts.setAttribute('data-restarts', n.count);
    n.state.className = 'tag restarted';
    n.state.textContent = 'restarted';
  }

  // ------------------------------------------------------------------ alerts, events, dead letters

  function renderAlerts(alerts) {
    var ul = $('alerts');
    if (!alerts.length) { ul.replaceChildren(el('li', { class: 'empty' }, 'no alerts')); return; }
    ul.replaceChildren.apply(ul, alerts.map(function (a) {
      var subject = a.actor ? 'actor ' + a.actor : a.worker ? 'worker ' + a.worker : 'system';
      var detail = a.value !== undefined ? ' — ' + num(a.value) + (a.threshold !== undefined ? ' (threshold ' + num(a.threshold) + ')' : '') : '';
      return el('li', { 'data-alert-id': a.id }, el('time', null, clock(a.raisedAt)), el('span', { class: 'tag ' + a.state }, a.kind), subject + detail);
    }));
  }

  function eventItem(e) {
    if (e.alert) {
      var a = e.alert;
      var subject = a.subject && a.subject.actorId ? 'actor ' + a.subject.actorId : a.subject && a.subject.workerId ? 'worker ' + a.subject.workerId : 'system';
      return el('li', { 'data-event-type': e.type }, el('time', null, clock(e.at)), el('span', { class: 'tag ' + a.state }, 'alert'),
        a.kind + ' ' + a.state + ' on ' + subject + (a.value !== undefined ? ' (' + num(a.value) + ' vs ' + num(a.threshold) + ')' : ''));
    }
    var what = [e.actor ? 'actor ' + e.actor : null, e.worker !== undefined ? 'worker ' + e.worker : null].filter(Boolean).join(' on ');
    var cause = e.cause && e.cause.message ? ': ' + e.cause.message : e.reason ? ': ' + e.reason : '';
    return el('li', { 'data-event-type': e.type }, el('time', null, clock(e.at)), el('span', { class: 'tag ' + e.type }, e.type), what + cause);
  }

  function addEvent(e) {
    var ul = $('events');
    var empty = ul.querySelector('.empty');
    if (empty) empty.remove();
    ul.insertBefore(eventItem(e), ul.firstChild);
    while (ul.children.length > MAX_EVENTS) ul.lastChild.remove();
  }

  function deadRow(d) {
    return el('tr', null, el('td', null, clock(d.at)), el('td', null, d.target), el('td', null, d.type), el('td', null, d.reason),
      el('td', null, d.sender || '–'), el('td', { class: 'msg' }, d.preview));
  }

  function addDead(d) {
    var body = $('dead-letters').tBodies[0];
    var empty = body.querySelector('.empty');
    if (empty) empty.remove();
    body.insertBefore(deadRow(d), body.firstChild);
    while (body.rows.length > MAX_DEAD) body.lastChild.remove();
  }

  // ------------------------------------------------------------------ charts

  var charts = { throughput: null, latency: null };
  var series = { xs: [], total: [], perWorker: [], p50: [], p99: [], stats: [] };
  var HISTORY = 300;

  function chartWidth(id) { return Math.max(300, $(id).clientWidth || 400); }

  function makeCharts(workerCount) {
    if (typeof uPlot !== 'function') return;
    var tSeries = [{}, { label: 'total', stroke: palette[0], width: 2, fill: 'rgba(47,111,222,0.08)' }];
    for (var i = 0; i < workerCount; i++) tSeries.push({ label: 'worker ' + (i + 1), stroke: palette[(i + 1) % palette.length], width: 1 });
    charts.throughput = new uPlot({
      width: chartWidth('chart-throughput'), height: 220, series: tSeries,
      axes: [{}, { size: 60, values: function (u, v) { return v.map(function (x) { return compact.format(x); }); } }],
      scales: { x: { time: true } },
    }, throughputData(), $('chart-throughput'));
    charts.latency = new uPlot({
      width: chartWidth('chart-latency'), height: 220,
      series: [{}, { label: 'ask p50', stroke: palette[1], width: 2 }, { label: 'ask p99', stroke: palette[5], width: 2 }, { label: 'stats round trip', stroke: palette[2], width: 1, dash: [4, 4] }],
      axes: [{}, { size: 60 }],
      scales: { x: { time: true } },
    }, latencyData(), $('chart-latency'));
    window.addEventListener('resize', function () {
      if (charts.throughput) charts.throughput.setSize({ width: chartWidth('chart-throughput'), height: 220 });
      if (charts.latency) charts.latency.setSize({ width: chartWidth('chart-latency'), height: 220 });
    });
  }

  function throughputData() { return [series.xs, series.total].concat(series.perWorker); }
  function latencyData() { return [series.xs, series.p50, series.p99, series.stats]; }

  function pushSample(s) {
    series.xs.push(s.at / 1000);
    series.total.push(s.throughput);
    s.workers.forEach(function (w, i) { (series.perWorker[i] = series.perWorker[i] || []).push(w.rate); });
    series.p50.push(s.askP50);
    series.p99.push(s.askP99);
    series.stats.push(s.statsMs);
    if (series.xs.length > HISTORY) {
      [series.xs, series.total, series.p50, series.p99, series.stats].concat(series.perWorker).forEach(function (a) { a.shift(); });
    }
  }

  function redrawCharts() {
    if (!charts.throughput) return;
    charts.throughput.setData(throughputData());
    charts.latency.setData(latencyData());
  }

  // ------------------------------------------------------------------ live stream

  function onSample(data) {
    pushSample(data.sample);
    renderTotals(data.totals);
    renderWorkers(data.sample.workers);
    redrawCharts();
  }

  function start(hello) {
    var status = hello.status;
    renderTotals(status.totals);
    renderWorkers(status.workers);
    renderMailboxes(status.deepest);
    renderTree({ actors: status.actors, tree: status.tree, truncated: status.truncated, total: status.totals.actors });
    renderAlerts(hello.alerts);
    series = { xs: [], total: [], perWorker: [], p50: [], p99: [], stats: [] };
    hello.samples.forEach(pushSample);
    if (!charts.throughput) makeCharts(status.workers.length || (hello.samples[0] ? hello.samples[0].workers.length : 0));
    else redrawCharts();
  }

  function loadLists() {
    fetch(withKey('events?limit=' + MAX_EVENTS)).then(function (r) { return r.json(); }).then(function (body) {
      var ul = $('events');
      ul.replaceChildren();
      if (!body.events.length) ul.appendChild(el('li', { class: 'empty' }, 'no events yet'));
      body.events.forEach(addEvent);
    });
    fetch(withKey('dead-letters?limit=' + MAX_DEAD)).then(function (r) { return r.json(); }).then(function (body) {
      var tb = $('dead-letters').tBodies[0];
      tb.replaceChildren();
      if (!body.deadLetters.length) tb.appendChild(el('tr', { class: 'empty' }, el('td', { colspan: 6 }, 'no dead letters')));
      body.deadLetters.forEach(addDead);
    });
  }

  function connect() {
    var conn = $('conn');
    var source = new EventSource(withKey('live'));
    function on(name, fn) {
      source.addEventListener(name, function (m) { fn(JSON.parse(m.data)); });
    }
    on('hello', function (hello) {
      conn.dataset.state = 'live';
      conn.textContent = 'live';
      start(hello);
      loadLists();
    });
    on('sample', function (d) {
      onSample(d);
      renderMailboxes(d.deepest);
    });
    on('actors', renderTree);
    on('event', function (d) {
      addEvent(d.event);
      $('stat-restarts').textContent = String(d.restarts);
      if (d.event.type === 'restart') markRestart(d.event.actor);
    });
    on('alert', function (d) {
      addEvent(d.event);
      renderAlerts(d.alerts);
      $('stat-alerts').textContent = String(d.alerts.length);
    });
    on('dead-letter', addDead);
    source.onerror = function () {
      conn.dataset.state = 'lost';
      conn.textContent = 'reconnecting…';
    };
  }

  connect();
})();
