// The SCN console: a snapshot of the exchanges kept by the server, then every new one over Server-Sent Events.
// Sessions, CDRs and commands are worked out here from the bodies of those exchanges. No framework, no network but
// the server's own /console/api.
'use strict';

const state = { messages: [], parties: null, last: 0, buffer: 2000, open: new Set(), source: null };
const $ = (id) => document.getElementById(id);

/** el('td', {class: 'num'}, 'text', child…): a DOM node; text goes in as text, never as HTML. */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}
const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const time = (iso) => (iso || '').replace(/^.*T/, '').replace('Z', '');
const money = (n) => (typeof n === 'number' ? n.toFixed(2) : '–');
const num = (n, d = 3) => (typeof n === 'number' ? n.toFixed(d) : '–');

// ---- loading and live updates ----

async function load() {
  const response = await fetch('/console/api/snapshot', { cache: 'no-store' });
  const snap = await response.json();
  document.title = 'SCN console – ' + snap.title;
  $('title').textContent = 'SCN console – ' + snap.title;
  state.buffer = snap.buffer;
  state.messages = [];
  $('message-rows').replaceChildren();
  renderParties(snap.parties);
  for (const m of snap.messages) addMessage(m);
  state.last = snap.last_seq;
  scheduleDerived();
  connect();
}

function connect() {
  if (state.source) state.source.close();
  const source = new EventSource('/console/api/events?after=' + state.last);
  state.source = source;
  source.onopen = () => live(true);
  source.onerror = () => live(false);  // EventSource reconnects by itself, resuming after the last id seen
  source.addEventListener('message', (e) => {
    const m = JSON.parse(e.data);
    if (m.seq <= state.last) return;
    state.last = m.seq;
    addMessage(m);
    scheduleDerived();
  });
  source.addEventListener('parties', (e) => renderParties(JSON.parse(e.data)));
  source.addEventListener('gap', () => { source.close(); load(); });
}

function live(on) {
  const badge = $('live');
  badge.textContent = on ? 'live' : 'disconnected';
  badge.className = 'badge ' + (on ? 'on' : 'off');
}

let derivedTimer = null;
function scheduleDerived() {
  if (derivedTimer) return;
  derivedTimer = setTimeout(() => {
    derivedTimer = null;
    renderSessions();
    renderCdrs();
    renderCommands();
    $('counts').textContent = state.messages.length + ' messages kept (of at most ' + state.buffer + ')';
  }, 150);
}

// ---- parties ----

function renderParties(view) {
  state.parties = view;
  const rows = (view && view.parties) || [];
  const body = $('party-rows');
  if (!rows.length) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: 6, class: 'empty' }, 'none yet')));
    return;
  }
  body.replaceChildren(...rows.map((p) => {
    const reg = p.registry;
    const registry = reg === undefined || reg === null ? '–'
      : reg.listed ? 'listed' + (reg.node_url ? ' under ' + reg.node_url : '') : 'not listed';
    return el('tr', { 'data-party': p.id },
      el('td', {}, p.id), el('td', {}, p.role || ''), el('td', {}, p.name || ''),
      el('td', { class: 'status-' + (p.status || '') }, p.status || ''), el('td', {}, registry),
      el('td', {}, p.url || ''));
  }));
}

// ---- the message flow ----

function matches(m, filter) {
  if (!filter) return true;
  const hay = [m.module, m.method, m.path, m.from, m.to, m.correlation_id, String(m.status)].join(' ').toLowerCase();
  return hay.includes(filter.toLowerCase());
}

function statusClass(ok) { return ok ? 'st-ok' : 'st-bad'; }

function addMessage(m) {
  state.messages.push(m);
  const rows = $('message-rows');
  while (state.messages.length > state.buffer) {
    const old = state.messages.shift();
    const row = rows.querySelector('tr[data-seq="' + old.seq + '"]');
    if (row) { if (row.nextSibling && row.nextSibling.classList.contains('detail')) row.nextSibling.remove(); row.remove(); }
  }
  const row = messageRow(m);
  row.hidden = !matches(m, $('filter').value);
  rows.append(row);
  if ($('follow').checked && location.hash === '#messages') row.scrollIntoView({ block: 'nearest' });
}

function messageRow(m) {
  const httpOk = m.status >= 200 && m.status < 300;
  const scpiOk = m.scpi_status === null || m.scpi_status === 1000;
  const path = m.path + (m.query ? '?' + m.query : '');
  return el('tr', { class: 'msg', 'data-seq': m.seq, 'data-module': m.module, onclick: () => toggle(m) },
    el('td', {}, time(m.at)), el('td', {}, m.from || '–'), el('td', {}, m.to || '–'), el('td', {}, m.module || '–'),
    el('td', {}, m.method), el('td', { class: 'path' }, path),
    el('td', { class: statusClass(httpOk) }, m.status || '–'),
    el('td', { class: statusClass(scpiOk) }, m.scpi_status === null ? '–' : m.scpi_status),
    el('td', { class: 'num' }, num(m.latency_ms, 1)), el('td', {}, m.correlation_id || '–'));
}

function toggle(m) {
  const row = $('message-rows').querySelector('tr[data-seq="' + m.seq + '"]');
  if (!row) return;
  if (row.nextSibling && row.nextSibling.classList && row.nextSibling.classList.contains('detail')) {
    row.nextSibling.remove();
    row.classList.remove('open');
    return;
  }
  row.classList.add('open');
  row.after(el('tr', { class: 'detail' }, el('td', { colspan: 10 }, detail(m))));
}

const pretty = (v) => (v === null || v === undefined ? '(empty)' : typeof v === 'string' ? v : JSON.stringify(v, null, 2));
const headerText = (h) => Object.entries(h || {}).map(([k, v]) => k + ': ' + v).join('\n') || '(none)';

function detail(m) {
  const curlText = curl(m);
  const curlBox = el('pre', { hidden: '' }, curlText);
  const seqBox = el('div');
  const cut = (flag, size) => (flag ? ' (first bytes of ' + size + ')' : '');
  return el('div', {},
    el('div', {},
      el('button', { onclick: (e) => { e.stopPropagation(); copy(curlText); curlBox.hidden = false; } }, 'copy as curl'),
      m.correlation_id ? el('button', { onclick: (e) => { e.stopPropagation(); seqBox.replaceChildren(sequence(m.correlation_id)); } },
        'sequence of correlation id ' + m.correlation_id) : null,
      el('span', { class: 'empty' }, m.direction + ' #' + m.seq + ', request id ' + (m.request_id || '–'))),
    curlBox, seqBox,
    el('div', { class: 'cols' },
      el('div', {}, el('h4', {}, 'Request headers'), el('pre', {}, headerText(m.request_headers)),
        el('h4', {}, 'Request body' + cut(m.request_cut, m.request_size)), el('pre', {}, pretty(m.request_body))),
      el('div', {}, el('h4', {}, 'Response headers'), el('pre', {}, headerText(m.response_headers)),
        el('h4', {}, 'Response body' + cut(m.response_cut, m.response_size)), el('pre', {}, pretty(m.response_body)))));
}

function copy(text) {
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).catch(() => {});
}

const quote = (s) => "'" + String(s).replace(/'/g, "'\\''") + "'";
function curl(m) {
  const headers = m.request_headers || {};
  const host = Object.entries(headers).find(([k]) => k.toLowerCase() === 'host');
  const base = host ? 'http://' + host[1] : location.origin;
  const parts = ['curl -X ' + m.method + ' ' + quote(base + m.path + (m.query ? '?' + m.query : ''))];
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (name === 'host' || name === 'content-length' || name === 'connection') continue;
    // The token is never in the page: the command reads it from $TOKEN.
    const value = name === 'authorization' ? v.replace(/ .*/, ' ') + '$TOKEN' : v;
    parts.push('-H ' + (name === 'authorization' ? '"' + k + ': ' + value + '"' : quote(k + ': ' + value)));
  }
  if (m.request_body !== null && m.request_body !== undefined) {
    parts.push('-d ' + quote(typeof m.request_body === 'string' ? m.request_body : JSON.stringify(m.request_body)));
  }
  return parts.join(' \\\n  ');
}

/** The exchanges of one correlation id as a sequence diagram: a lifeline per party (and the node between them). */
function sequence(correlation) {
  const msgs = state.messages.filter((m) => m.correlation_id === correlation);
  const actors = [];
  const actor = (name) => { if (!actors.includes(name)) actors.push(name); return actors.indexOf(name); };
  const steps = [];
  for (const m of msgs) {
    const from = m.from || (m.direction === 'out' ? 'this party' : 'caller');
    const to = m.to || (m.direction === 'in' ? 'this party' : 'recipient');
    const label = m.method + ' ' + (m.module || m.path);
    const answer = m.status + (m.scpi_status === null ? '' : ' / ' + m.scpi_status) + ' (' + num(m.latency_ms, 1) + ' ms)';
    if (m.direction === 'routed') {
      const a = actor(from), n = actor('node'), b = actor(to);
      steps.push([a, n, label, false], [n, b, label, false], [b, n, answer, true], [n, a, answer, true]);
    } else {
      const a = actor(from), b = actor(to);
      steps.push([a, b, label, false], [b, a, answer, true]);
    }
  }
  const colW = 190, rowH = 30, top = 34;
  const width = Math.max(400, actors.length * colW);
  const height = top + steps.length * rowH + 16;
  const x = (i) => colW / 2 + i * colW;
  const out = svg('svg', { class: 'seq', viewBox: '0 0 ' + width + ' ' + height, height: height });
  out.append(svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7,
    markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#1d2330' }))));
  actors.forEach((a, i) => {
    out.append(svg('text', { x: x(i), y: 16, 'text-anchor': 'middle', 'font-weight': 'bold' }, a));
    out.append(svg('line', { class: 'life', x1: x(i), y1: 22, x2: x(i), y2: height - 4 }));
  });
  steps.forEach(([a, b, label, back], i) => {
    const y = top + i * rowH + 14;
    out.append(svg('line', { x1: x(a), y1: y, x2: x(b), y2: y, stroke: back ? '#6b7385' : '#1d2330',
      'stroke-dasharray': back ? '5 3' : '', 'marker-end': 'url(#arrow)' }));
    out.append(svg('text', { x: (x(a) + x(b)) / 2, y: y - 4, 'text-anchor': 'middle' }, label));
  });
  return out;
}

$('filter').addEventListener('input', () => {
  const filter = $('filter').value;
  const bySeq = new Map(state.messages.map((m) => [String(m.seq), m]));
  for (const row of $('message-rows').querySelectorAll('tr.msg')) row.hidden = !matches(bySeq.get(row.dataset.seq), filter);
});

// ---- sessions: every Session object seen (pushes, and lists read), with its kWh over time ----

function sessionsSeen() {
  const sessions = new Map();
  const seen = (s, at) => {
    if (!isObject(s) || !s.id) return;
    const entry = sessions.get(s.id) || { id: s.id, data: {}, points: [] };
    Object.assign(entry.data, s);
    if (typeof s.kwh === 'number') {
      const t = Date.parse(s.last_updated || at);
      if (!entry.points.some((p) => p.t === t)) entry.points.push({ t, kwh: s.kwh });
    }
    sessions.set(s.id, entry);
  };
  for (const m of state.messages) {
    if (m.module !== 'sessions') continue;
    if ((m.method === 'PUT' || m.method === 'PATCH') && isObject(m.request_body)) {
      seen(Object.assign({ id: m.path.split('/').pop() }, m.request_body), m.at);
    } else if (m.method === 'GET' && isObject(m.response_body)) {
      const data = m.response_body.data;
      for (const s of Array.isArray(data) ? data : [data]) seen(s, m.at);
    }
  }
  for (const s of sessions.values()) s.points.sort((a, b) => a.t - b.t);
  return [...sessions.values()];
}

/** kWh (solid) and the power between updates (kW, dashed) over time, as an inline SVG. */
function chart(points) {
  const W = 420, H = 170, L = 62, R = 54, T = 12, B = 24;
  const out = svg('svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none' });
  const t0 = points[0].t, t1 = Math.max(points[points.length - 1].t, t0 + 1000);
  const power = [];
  for (let i = 1; i < points.length; i++) {
    const hours = (points[i].t - points[i - 1].t) / 3.6e6;
    if (hours > 0) power.push({ t: points[i].t, kw: Math.max(0, (points[i].kwh - points[i - 1].kwh) / hours) });
  }
  const maxKwh = Math.max(0.001, ...points.map((p) => p.kwh));
  const maxKw = Math.max(0.001, ...power.map((p) => p.kw));
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const yk = (v) => H - B - (v / maxKwh) * (H - B - T);
  const yp = (v) => H - B - (v / maxKw) * (H - B - T);
  out.append(svg('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }));
  out.append(svg('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B }));
  out.append(svg('text', { x: L - 4, y: T + 8, 'text-anchor': 'end' }, num(maxKwh) + ' kWh'));
  out.append(svg('text', { x: L - 4, y: H - B, 'text-anchor': 'end' }, '0'));
  out.append(svg('text', { x: L, y: H - 8 }, new Date(t0).toISOString().substr(11, 8)));
  out.append(svg('text', { x: W - R, y: H - 8, 'text-anchor': 'end' }, new Date(t1).toISOString().substr(11, 8)));
  out.append(svg('polyline', { class: 'kwh', points: points.map((p) => x(p.t) + ',' + yk(p.kwh)).join(' ') }));
  for (const p of points) out.append(svg('circle', { cx: x(p.t), cy: yk(p.kwh), r: 2.5, fill: '#2f5bd3' }));
  if (power.length) {
    const steps = [];
    let prev = t0;
    for (const p of power) { steps.push(x(prev) + ',' + yp(p.kw), x(p.t) + ',' + yp(p.kw)); prev = p.t; }
    out.append(svg('polyline', { class: 'kw', points: steps.join(' ') }));
    out.append(svg('text', { x: W - R + 4, y: T + 8 }, num(maxKw, 1) + ' kW'));
  }
  return out;
}

function renderSessions() {
  const list = sessionsSeen();
  const box = $('session-list');
  if (!list.length) { box.replaceChildren(el('p', { class: 'empty' }, 'no session seen yet')); return; }
  box.replaceChildren(...list.reverse().map((s) => {
    const d = s.data;
    const cost = isObject(d.total_cost) ? money(d.total_cost.excl_vat) + ' ' + (d.currency || '') + ' excl. VAT' : '–';
    return el('div', { class: 'card session', 'data-session': s.id },
      el('h3', {}, 'Session ', s.id),
      el('dl', {}, el('dt', {}, 'Status'), el('dd', { class: 'status-' + d.status }, d.status || '–'),
        el('dt', {}, 'Location / EVSE'), el('dd', {}, (d.location_id || '–') + ' / ' + (d.evse_uid || '–')),
        el('dt', {}, 'Started'), el('dd', {}, d.start_date_time || '–'),
        el('dt', {}, 'Energy'), el('dd', {}, num(d.kwh, 4) + ' kWh (' + s.points.length + ' updates)'),
        el('dt', {}, 'Cost'), el('dd', {}, cost)),
      s.points.length ? chart(s.points) : el('p', { class: 'empty' }, 'no kWh reported yet'));
  }));
}

// ---- CDRs: the price by dimension and by tariff element ----

function cdrsSeen() {
  const cdrs = new Map();
  for (const m of state.messages) {
    if (m.module !== 'cdrs') continue;
    if (m.method === 'POST' && isObject(m.request_body)) cdrs.set(m.request_body.id, m.request_body);
    else if (m.method === 'GET' && isObject(m.response_body)) {
      const data = m.response_body.data;
      for (const c of Array.isArray(data) ? data : [data]) if (isObject(c) && c.id) cdrs.set(c.id, c);
    }
  }
  return [...cdrs.values()];
}

const priceCells = (p) => [el('td', { class: 'num' }, isObject(p) ? money(p.excl_vat) : '–'),
  el('td', { class: 'num' }, isObject(p) && typeof p.incl_vat === 'number' ? money(p.incl_vat) : '–')];

/** The volume a component is billed for, from the CDR's totals (step_size rounding on the totals, §5). */
function billedVolume(cdr, c) {
  const step = c.step_size || 1;
  const up = (v, unit) => Math.ceil((v * unit) / step - 1e-9) * step / unit;
  const parking = cdr.total_parking_time || 0;
  switch (c.type) {
    case 'FLAT': return { volume: 1, unit: '' };
    case 'ENERGY': return { volume: up(cdr.total_energy || 0, 1000), unit: 'kWh' };
    case 'TIME': return { volume: up(Math.max(0, (cdr.total_time || 0) - parking), 3600), unit: 'h' };
    case 'PARKING_TIME': return { volume: up(parking, 3600), unit: 'h' };
    default: return null;
  }
}

function elementRows(cdr) {
  const rows = [];
  for (const tariff of cdr.tariffs || []) {
    const elements = tariff.elements || [];
    const count = {};
    for (const e of elements) for (const c of e.price_components || []) count[c.type] = (count[c.type] || 0) + 1;
    elements.forEach((e, i) => {
      for (const c of e.price_components || []) {
        const billed = billedVolume(cdr, c);
        // One component of its dimension in the tariff: its amount follows from the totals. Several (restrictions
        // by time of day, power, …): the split depends on the charging periods, so only the CDR's total is shown.
        const single = count[c.type] === 1 && billed;
        rows.push(el('tr', {}, el('td', {}, 'tariff ' + tariff.id + ', element ' + (i + 1)), el('td', {}, c.type),
          el('td', { class: 'num' }, money(c.price) + ' ' + (cdr.currency || '')), el('td', { class: 'num' }, c.step_size),
          el('td', { class: 'num' }, billed ? num(billed.volume, 4) + ' ' + billed.unit : '–'),
          el('td', { class: 'num' }, single ? money(billed.volume * c.price) : '–')));
      }
    });
  }
  return rows;
}

function renderCdrs() {
  const list = cdrsSeen();
  const box = $('cdr-list');
  if (!list.length) { box.replaceChildren(el('p', { class: 'empty' }, 'no CDR seen yet')); return; }
  box.replaceChildren(...list.reverse().map((cdr) => {
    const dims = [['Flat', cdr.total_fixed_cost], ['Energy', cdr.total_energy_cost], ['Time', cdr.total_time_cost],
      ['Parking', cdr.total_parking_cost], ['Reservation', cdr.total_reservation_cost]];
    const total = cdr.total_cost;
    return el('div', { class: 'card cdr', 'data-cdr': cdr.id },
      el('h3', {}, 'CDR ', cdr.id),
      el('dl', {}, el('dt', {}, 'Session'), el('dd', {}, cdr.session_id || '–'),
        el('dt', {}, 'Period'), el('dd', {}, (cdr.start_date_time || '–') + ' → ' + (cdr.end_date_time || '–')),
        el('dt', {}, 'Energy / time'), el('dd', {}, num(cdr.total_energy, 4) + ' kWh, ' + num(cdr.total_time, 4) + ' h'
          + (cdr.total_parking_time ? ' (' + num(cdr.total_parking_time, 4) + ' h parking)' : '')),
        el('dt', {}, 'Total'), el('dd', { class: 'cdr-total' },
          (isObject(total) ? money(total.excl_vat) : '–') + ' ' + (cdr.currency || '') + ' excl. VAT'
          + (isObject(total) && typeof total.incl_vat === 'number' ? ', ' + money(total.incl_vat) + ' incl. VAT' : ''))),
      el('table', { class: 'price' },
        el('thead', {}, el('tr', {}, el('th', {}, 'Dimension'), el('th', {}, 'excl. VAT'), el('th', {}, 'incl. VAT'))),
        el('tbody', {}, dims.filter(([, p]) => isObject(p)).map(([name, p]) => el('tr', {}, el('td', {}, name), priceCells(p))),
          el('tr', { class: 'total' }, el('td', {}, 'Total ' + (cdr.currency || '')), priceCells(total)))),
      el('table', { class: 'elements' },
        el('thead', {}, el('tr', {}, el('th', {}, 'Tariff element'), el('th', {}, 'Component'), el('th', {}, 'Price'),
          el('th', {}, 'Step'), el('th', {}, 'Billed'), el('th', {}, 'Amount excl. VAT'))),
        el('tbody', {}, elementRows(cdr))));
  }));
}

// ---- commands and their asynchronous results ----

function renderCommands() {
  const commands = [];
  for (const m of state.messages) {
    if (m.module !== 'commands' || m.method !== 'POST') continue;
    const parts = m.path.split('/').filter(Boolean);
    const at = parts.indexOf('commands');
    const type = parts[at + 1];
    const isResult = parts.length > at + 2;  // …/commands/{TYPE}/{uid}: the result posted to the response_url
    if (!isResult) {
      const data = isObject(m.response_body) ? m.response_body.data : null;
      commands.push({ m, type, answer: isObject(data) ? data.result + (data.timeout ? ' (timeout ' + data.timeout + ' s)' : '') : String(m.status), result: null });
    } else {
      const open = [...commands].reverse().find((c) => c.type === type && !c.result);
      const result = isObject(m.request_body) ? m.request_body.result + (m.request_body.message ? ': ' + pretty(m.request_body.message) : '') : '?';
      if (open) open.result = result;
      else commands.push({ m, type, answer: '–', result });
    }
  }
  const body = $('command-rows');
  if (!commands.length) { body.replaceChildren(el('tr', {}, el('td', { colspan: 7, class: 'empty' }, 'no command seen yet'))); return; }
  body.replaceChildren(...commands.reverse().map((c) => {
    const b = isObject(c.m.request_body) ? c.m.request_body : {};
    const what = [b.location_id, b.evse_uid, b.session_id, b.reservation_id].filter(Boolean).join(' ');
    return el('tr', { 'data-command': c.type }, el('td', {}, time(c.m.at)), el('td', {}, c.type), el('td', {}, c.m.from || '–'),
      el('td', {}, c.m.to || '–'), el('td', { class: 'status-' + String(c.answer).split(' ')[0] }, c.answer),
      el('td', { class: 'status-' + String(c.result || '').split(':')[0] }, c.result || 'waiting'), el('td', {}, what));
  }));
}

load().catch((e) => { live(false); $('counts').textContent = 'cannot load the snapshot: ' + e; });
