// Ferry's status page: reads /api/figures every second and draws each pipeline as
// receivers → processors → exporters, with rates, queues, lag, errors and dead letters.
// Plain JavaScript, served by Ferry itself: no build step, no CDN.
'use strict';

const REFRESH_MS = 1000;
const TOKEN_KEY = 'ferry-telemetry-token';
const numbers = new Intl.NumberFormat('en-US');
let previous;

// A token given as `#token=…` is kept for this tab only and never sent in a URL.
function takeTokenFromHash() {
  const fromHash = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!fromHash) return false;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(fromHash[1]));
  history.replaceState(null, '', location.pathname);
  return true;
}
takeTokenFromHash();
window.addEventListener('hashchange', () => {
  if (takeTokenFromHash()) void refresh();
});

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function duration(seconds) {
  if (seconds < 1) return seconds === 0 ? '0 s' : `${Math.round(seconds * 1000)} ms`;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) { n /= 1024; unit++; }
  return `${unit === 0 ? n : n.toFixed(1)} ${units[unit]}`;
}

function keyOf(c) { return `${c.kind}:${c.id}:${c.pipeline || ''}`; }

function main(c) { return c.kind === 'receiver' ? c.counts.accepted : c.kind === 'processor' ? c.counts.filtered : c.counts.sent; }

function rate(c, now) {
  const before = previous && previous.components.find((p) => keyOf(p) === keyOf(c));
  const seconds = previous ? (Date.parse(now.at) - Date.parse(previous.at)) / 1000 : 0;
  return before && seconds > 0 ? (main(c) - main(before)) / seconds : undefined;
}

function figure(name, label, value) {
  return [el('dt', {}, label), el('dd', { 'data-figure': name }, value)];
}

function box(c, now, error, order) {
  const r = rate(c, now);
  const rows = [];
  if (c.kind === 'receiver') rows.push(...figure('accepted', 'accepted', numbers.format(c.counts.accepted)), ...figure('rate', 'per second', r === undefined ? '…' : numbers.format(Math.round(r))), ...figure('refused', 'refused', numbers.format(c.counts.refused)));
  if (c.kind === 'processor') rows.push(...figure('filtered', 'dropped', numbers.format(c.counts.filtered)), ...figure('rate', 'per second', r === undefined ? '…' : numbers.format(Math.round(r))));
  if (c.kind === 'exporter') {
    const q = c.queue || { events: 0, bytes: 0, lagSeconds: 0 };
    const mark = q.lagKnown === 'since-start' ? '≥ ' : q.lagKnown === 'batch-before' ? '≤ ' : '';
    rows.push(
      ...figure('sent', 'sent', numbers.format(c.counts.sent)),
      ...figure('rate', 'per second', r === undefined ? '…' : numbers.format(Math.round(r))),
      ...figure('queued', 'queued', `${numbers.format(q.events)} (${bytes(q.bytes)})`),
      ...figure('lag', 'lag', mark + duration(q.lagSeconds)),
      ...figure('failedAttempts', 'failed attempts', numbers.format(c.counts.failedAttempts)),
      ...figure('retried', 'retried', numbers.format(c.counts.retried)),
      ...figure('deadLettered', 'dead-lettered', numbers.format(c.counts.deadLettered)),
      ...figure('lost', 'lost to damage', numbers.format(c.counts.lost)),
    );
  }
  const node = el('div', { class: `component ${c.status}`, 'data-component': `${c.kind}:${c.id}`, title: c.status }, el('h3', {}, `${order === undefined ? '' : `${order}. `}${c.kind} ${c.id}`), el('dl', {}, ...rows));
  if (error) node.append(el('div', { class: 'error' }, `${c.status.replace('_', ' ')}: ${error}`));
  return node;
}

function render(now) {
  const status = now.status;
  const head = document.getElementById('status');
  head.textContent = status.status.replace('_', ' ') + (status.healthy ? '' : ' (unhealthy)');
  head.className = `status ${status.status}${status.healthy ? '' : ' unhealthy'}`;
  document.getElementById('meta').textContent = `ferry ${now.version} · up ${duration((Date.parse(now.at) - Date.parse(now.startedAt)) / 1000)} · ${new Date(now.at).toLocaleTimeString()}`;
  const sections = now.pipelines.map((p) => {
    const tree = (status.components || {})[`pipeline:${p.name}`] || {};
    const errorOf = (c) => (((tree.components || {})[`${c.kind}:${c.id}`]) || {}).error;
    // Processors run in the order listed: numbered.
    const column = (kind) => el('div', { class: 'column' }, ...now.components.filter((c) => c.kind === kind && (c.kind === 'receiver' ? p.receivers.includes(c.id) : c.pipeline === p.name)).map((c, i) => box(c, now, errorOf(c), kind === 'processor' ? i + 1 : undefined)));
    const log = p.log ? `log ${bytes(p.log.retainedBytes)} of ${bytes(p.log.capacityBytes)}${p.log.blocked ? ` — ${p.log.blocked}` : p.log.full ? ' — full, receivers pushed back' : ''}` : '';
    return el('section', { class: 'pipeline', 'data-pipeline': p.name },
      el('h2', {}, `pipeline ${p.name} `, el('span', { class: `status ${tree.status || ''}` }, (tree.status || '').replace('_', ' ')), el('span', { class: 'muted' }, ` ${log}`)),
      el('div', { class: 'graph' }, column('receiver'), el('span', { class: 'arrow' }, '→'), column('processor'), el('span', { class: 'arrow' }, '→'), column('exporter')));
  });
  document.getElementById('pipelines').replaceChildren(...sections);
  previous = now;
}

async function refresh() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const problem = document.getElementById('problem');
  try {
    const response = await fetch('/api/figures', { headers: token ? { authorization: `Bearer ${token}` } : {}, cache: 'no-store' });
    if (response.status === 401) {
      document.getElementById('login').hidden = false;
      problem.hidden = true;
      return;
    }
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    document.getElementById('login').hidden = true;
    problem.hidden = true;
    render(await response.json());
  } catch (error) {
    problem.hidden = false;
    problem.textContent = `Cannot read Ferry's figures: ${error.message} (retrying)`;
  }
}

document.getElementById('login').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, document.getElementById('token').value);
  void refresh();
});

void refresh();
setInterval(refresh, REFRESH_MS);
