'use strict';
// Polls the status API and redraws. Built with DOM calls and textContent only, so names and
// reasons from the network can never become markup.
(function () {
  const POLL_MS = 1000;
  const previous = new Map(); // key -> {time, bytesIn, bytesOut}

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === 'class') e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined || c === '') continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function badge(state) {
    return el('span', { class: 'badge state-' + state, 'data-role': 'state' }, state);
  }

  function duration(seconds) {
    const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600);
    const m = Math.floor(seconds % 3600 / 60), s = Math.floor(seconds % 60);
    if (d > 0) return d + 'd ' + h + 'h';
    if (h > 0) return h + 'h ' + m + 'm';
    if (m > 0) return m + 'm ' + s + 's';
    return s + 's';
  }

  function bytes(n) {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
    return (i === 0 ? n.toFixed(0) : n.toFixed(1)) + ' ' + units[i];
  }

  // Throughput from the difference between two samples, timed by the server's clock.
  function rate(key, time, bytesIn, bytesOut) {
    const p = previous.get(key);
    previous.set(key, { time, bytesIn, bytesOut });
    if (!p || time <= p.time || bytesIn < p.bytesIn || bytesOut < p.bytesOut) return null;
    const dt = (time - p.time) / 1000;
    return { in: (bytesIn - p.bytesIn) / dt, out: (bytesOut - p.bytesOut) / dt };
  }

  function rateText(r, dir) {
    return r ? bytes(r[dir]) + '/s' : '\u2014';
  }

  function renderVrrp(list) {
    const box = document.getElementById('vrrp');
    if (list.length === 0) {
      box.replaceChildren(el('div', { class: 'card empty muted' }, 'No VRRP instances configured.'));
      return;
    }
    box.replaceChildren(...list.map(v => el('div', {
      class: 'card vrrp' + (v.state === 'MASTER' ? ' master' : ''), 'data-vrrp': v.name, 'data-state': v.state
    },
      el('div', {}, el('span', { class: 'name' }, v.name), ' ', badge(v.state)),
      el('dl', {},
        el('dt', {}, 'Priority'),
        el('dd', {}, v.effective_priority === v.priority ? String(v.priority)
          : v.effective_priority + ' (configured ' + v.priority + ')'),
        el('dt', {}, 'VIPs'), el('dd', {}, v.vips.length ? v.vips.join(', ') : '\u2014'),
        v.master_since ? el('dt', {}, 'Master since') : null,
        v.master_since ? el('dd', {}, new Date(v.master_since).toLocaleString()) : null))));
  }

  function services(list) {
    if (!list || list.length === 0) return '';
    return el('div', { class: 'services' }, ...list.map(s => el('span', {
      class: 'service ' + (s.status === 'UP' ? 'up' : 'down'),
      title: s.detail || s.status, 'data-service': s.name, 'data-status': s.status
    }, s.name + (s.status === 'UP' ? '' : ' ' + s.status))));
  }

  function realServerRow(vs, rs, time) {
    const key = vs.protocol + ' ' + vs.endpoint + ' ' + rs.endpoint;
    const r = rate(key, time, rs.bytes_in, rs.bytes_out);
    const reason = rs.state === 'UP' ? '' : (rs.reason || '');
    return el('tr', {
      class: rs.state.toLowerCase(), 'data-real-server': vs.endpoint + ' ' + rs.endpoint, 'data-state': rs.state
    },
      el('td', { class: 'addr', 'data-label': 'Real server' }, rs.endpoint),
      el('td', { 'data-label': 'State' }, badge(rs.state)),
      el('td', { class: 'num', 'data-label': 'Weight' },
        rs.effective_weight === rs.weight ? String(rs.weight) : rs.effective_weight + ' / ' + rs.weight),
      el('td', { class: 'num', 'data-label': 'Active' }, rs.active_connections),
      el('td', { class: 'num', 'data-label': 'Inactive' }, rs.inactive_connections),
      el('td', { class: 'num', 'data-label': 'In' }, rateText(r, 'in')),
      el('td', { class: 'num', 'data-label': 'Out' }, rateText(r, 'out')),
      el('td', { 'data-label': 'Services' }, services(rs.services)),
      el('td', { class: 'reason', 'data-label': 'Reason', 'data-role': 'reason' }, reason));
  }

  function renderVirtualServers(list, time) {
    const box = document.getElementById('virtual-servers');
    if (list.length === 0) {
      box.replaceChildren(el('div', { class: 'card empty muted' }, 'No virtual servers configured.'));
      return;
    }
    box.replaceChildren(...list.map(vs => {
      const r = rate(vs.protocol + ' ' + vs.endpoint, time, vs.bytes_in, vs.bytes_out);
      const up = vs.real_servers.filter(rs => rs.healthy).length;
      return el('div', { class: 'card vs', 'data-virtual-server': vs.endpoint },
        el('div', { class: 'vs-head' },
          el('span', { class: 'title', title: vs.engine + ' engine: ' + vs.engine_reason },
            vs.protocol + ' ' + vs.endpoint + ' ' + vs.scheduler + ' \u00b7 ' + vs.engine),
          badge(vs.quorum_up ? 'UP' : 'DOWN'),
          el('span', { class: 'stats' }, up + '/' + vs.real_servers.length + ' up \u00b7 '
            + vs.active_connections + ' active \u00b7 ' + vs.inactive_connections + ' inactive \u00b7 in '
            + rateText(r, 'in') + ' \u00b7 out ' + rateText(r, 'out'))),
        el('table', {},
          el('thead', {}, el('tr', {}, ...['Real server', 'State', 'Weight', 'Active', 'Inactive', 'In', 'Out',
            'Services', 'Reason'].map((h, i) => el('th', { class: i >= 2 && i <= 6 ? 'num' : null }, h)))),
          el('tbody', {}, ...vs.real_servers.map(rs => realServerRow(vs, rs, time)))));
    }));
  }

  function count(n, one, many) {
    return n.toLocaleString() + ' ' + (n === 1 ? one : many);
  }

  // The proxy engine's counters since start. Refused clients and bind/accept failures are problems;
  // bind and accept failures, limit refusals and half-close timeouts are rare, so they are left out
  // while zero to keep the line short.
  function renderProxy(p) {
    const box = document.getElementById('proxy');
    box.hidden = p === null || p === undefined;
    if (box.hidden) { box.replaceChildren(); box.classList.remove('problem'); return; }
    const items = [
      ['accepted', p.accepted.toLocaleString() + ' accepted', false],
      ['open_connections', p.open_connections.toLocaleString() + ' open', false],
      ['connect_failures', count(p.connect_failures, 'connect failure', 'connect failures')
        + ' (' + p.retries.toLocaleString() + ' retried)', false],
      ['no_real_server', p.no_real_server.toLocaleString() + ' refused (no real server)', p.no_real_server > 0],
      ['resets_passed', count(p.resets_passed, 'reset', 'resets') + ' passed', false],
      ['idle_timeouts', count(p.idle_timeouts, 'idle timeout', 'idle timeouts'), false]];
    if (p.bind_failures > 0) items.push(['bind_failures', count(p.bind_failures, 'bind failure', 'bind failures'), true]);
    if (p.accept_failures > 0) {
      items.push(['accept_failures', count(p.accept_failures, 'accept failure', 'accept failures'), true]);
    }
    if (p.refused_maxconn > 0) {
      items.push(['refused_maxconn', p.refused_maxconn.toLocaleString() + ' refused (proxy_maxconn)', true]);
    }
    if (p.refused_per_source > 0) {
      items.push(['refused_per_source', p.refused_per_source.toLocaleString() + ' refused (per source)', true]);
    }
    if (p.half_close_timeouts > 0) {
      items.push(['half_close_timeouts', count(p.half_close_timeouts, 'half-close timeout', 'half-close timeouts'), false]);
    }
    itemLine(box, 'Proxy:', 'data-counter', items);
  }

  // One line of [key, text, problem] items after a label; the box is flagged when any item is a problem.
  function itemLine(box, label, keyAttribute, items) {
    const parts = [el('span', { class: 'label' }, label), ' '];
    items.forEach(([key, text, problem], i) => {
      if (i > 0) parts.push(' \u00b7 ');
      parts.push(el('span', { class: 'item' + (problem ? ' problem' : ''), [keyAttribute]: key }, text));
    });
    box.replaceChildren(...parts);
    box.classList.toggle('problem', items.some(item => item[2]));
  }

  // The connection sync (conntrackd): lost, not running, an unseen peer and unfinished commits are problems.
  function renderSync(y) {
    const box = document.getElementById('sync');
    box.hidden = y === null || y === undefined;
    if (box.hidden) { box.replaceChildren(); box.classList.remove('problem'); return; }
    const items = [];
    if (y.lost_since) items.push(['lost', 'LOST since ' + new Date(y.lost_since).toLocaleTimeString(), true]);
    items.push(['conntrackd', 'conntrackd ' + (y.running ? 'running' + (y.conntrackd_pid ? ' (pid ' + y.conntrackd_pid + ')' : '')
      : 'NOT running'), !y.running]);
    items.push(['peer', (y.mode === 'unicast' ? 'peer ' : 'group ') + y.destination + ' on ' + y.interface
      + (y.peer_seen ? ' seen' : ' NOT seen'), !y.peer_seen]);
    if (y.link) {
      items.push(['entries', y.link.internal_entries.toLocaleString() + ' own / '
        + y.link.external_entries.toLocaleString() + ' peer\u2019s entries', false]);
      items.push(['traffic', bytes(y.link.bytes_sent) + ' sent, ' + bytes(y.link.bytes_received) + ' received', false]);
      const errors = y.link.send_errors + y.link.receive_errors + y.link.lost_messages;
      if (errors > 0) items.push(['errors', count(errors, 'error or lost message', 'errors or lost messages'), true]);
    }
    items.push(['restarts', count(y.conntrackd_restarts, 'restart', 'restarts'), false]);
    items.push(['losses', count(y.losses, 'loss', 'losses'), false]);
    if (y.last_commit) {
      const c = y.last_commit;
      items.push(['last_commit', 'last commit ' + new Date(c.at).toLocaleTimeString() + ': '
        + count(c.entries, 'entry', 'entries') + ' in ' + c.took_millis.toFixed(1) + ' ms'
        + (c.finished ? '' : ' (NOT finished)'), !c.finished]);
    }
    items.push(['resyncs', count(y.resyncs_requested, 'resync', 'resyncs') + ' requested', false]);
    itemLine(box, 'Connection sync:', 'data-sync', items);
  }

  function render(status) {
    document.getElementById('router-id').textContent = status.node.router_id;
    document.getElementById('node').textContent = 'version ' + status.node.version + ' \u00b7 up '
      + duration(status.node.uptime_seconds) + ' \u00b7 updated ' + new Date(status.time_millis).toLocaleTimeString();
    document.title = 'Vigil \u2013 ' + status.node.router_id;
    renderVrrp(status.vrrp);
    renderSync(status.sync);
    renderProxy(status.proxy);
    renderVirtualServers(status.virtual_servers, status.time_millis);
  }

  function connection(message) {
    const c = document.getElementById('connection');
    c.hidden = !message;
    c.textContent = message || '';
    document.body.dataset.connected = message ? 'false' : 'true';
  }

  async function poll() {
    try {
      const response = await fetch('api/v1/status', { cache: 'no-store' });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      render(await response.json());
      connection(null);
    } catch (e) {
      connection('Cannot reach Vigil (' + e.message + '); showing the last known state, retrying\u2026');
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  poll();
})();
