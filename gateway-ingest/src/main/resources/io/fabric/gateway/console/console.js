// The web console: pages over the gateway's public HTTP API only (GET /v1/approvals,
// POST /v1/approvals/{id}, GET /v1/requests/{id}[/wait|/trace], GET /v1/flows/{id}[/revisions],
// GET /v1/dead-letters[/{id}], POST /v1/dead-letters/{id}/replay, GET /v1/audit/verification|events,
// GET /v1/evidence/{flowId}[/verification], GET /metrics), called with the API key the user
// typed. Everything shown is set as text, never as HTML, since payloads, errors and reasons come from callers.
import { approverOf, importApproverKey, newNonce, sha256Hex, signToken, statementFor } from '/console/approval-token.js';
import { parseMetrics, perMinute, summarize } from '/console/metrics.js';

const KEY_STORAGE = 'fabric.console.api-key';
/** Outcomes after which a request still moves on its own (Outcome.terminal() is false). */
const MOVING = new Set(['ROUTED', 'PENDING_APPROVAL']);
const $ = (id) => document.getElementById(id);

/** The approver's key: a non-extractable CryptoKey held by this page only, until it is reloaded. */
let signer = null;
/** Bumped on every navigation, so a long poll of a page left behind stops writing to the screen. */
let generation = 0;

class ApiError extends Error {
  constructor(status, body) {
    super(describeError(status, body));
    this.status = status;
  }
}

function describeError(status, body) {
  const fields = Array.isArray(body?.fields) ? body.fields.map((f) => `${f.field}: ${f.problem}`).join('; ') : '';
  return `${status}: ${body?.error ?? 'error'}${fields ? ` (${fields})` : ''}`;
}

/** The API key as a Bearer credential; none when the user left it empty (a gateway run without --api-keys). */
function authorization() {
  const key = sessionStorage.getItem(KEY_STORAGE);
  return key ? { Authorization: `Bearer ${key}` } : {};
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { ...authorization(), ...(options.headers ?? {}) },
    signal: options.signal,
    cache: 'no-store',
  });
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { error: text };
  }
  if (response.status === 401) {
    sessionStorage.removeItem(KEY_STORAGE);
    showLogin('The gateway refused the API key: ' + (body?.error ?? ''));
  }
  if (!response.ok) {
    throw new ApiError(response.status, body);
  }
  return body;
}

// ---- small DOM helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function definitions(id, rows) {
  return el('dl', { id }, rows.filter(([, v]) => v !== undefined).map(([k, v]) =>
    [el('dt', { text: k }), v instanceof Node ? el('dd', {}, v) : el('dd', { text: v === null || v === '' ? '—' : String(v) })]));
}

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = !message;
}

function view(...children) {
  $('view').replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined));
}

// ---- times

function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function isoDurationMillis(text) {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(text ?? '');
  return m ? ((+m[1] || 0) * 3600 + (+m[2] || 0) * 60 + (+m[3] || 0)) * 1000 : NaN;
}

function sla(deadline) {
  const left = Date.parse(deadline) - Date.now();
  if (Number.isNaN(left)) return el('span', { text: '—' });
  return left >= 0 ? el('span', { text: `${duration(left)} left` }) : el('span', { class: 'bad', text: `overdue ${duration(-left)}` });
}

// ---- approvals

async function approvalsPage() {
  const mine = generation;
  const pending = await api('/v1/approvals');
  if (mine !== generation) return; // the user moved on while it loaded
  const refresh = el('button', { type: 'button', id: 'refresh', text: 'Refresh' });
  refresh.addEventListener('click', () => route());
  if (pending.length === 0) {
    view(el('h2', { text: 'Approvals waiting' }), el('p', { id: 'no-approvals', text: 'Nothing waits for approval.' }), refresh);
    return;
  }
  const head = el('tr', {}, ['Request', 'Tenant', 'Submitter', 'Action', 'Class', 'Rule', 'Age', 'SLA', 'Quorum'].map((h) => el('th', { text: h })));
  const rows = pending.map((p) => el('tr', { 'data-request-id': p.request_id },
    el('td', {}, el('a', { href: `#/approvals/${encodeURIComponent(p.request_id)}`, text: p.request_id })),
    el('td', { text: p.tenant_id }), el('td', { text: p.submitter }), el('td', { text: p.action }),
    el('td', { text: p.class }), el('td', { text: p.rule }),
    el('td', { text: duration(isoDurationMillis(p.age)) }), el('td', {}, sla(p.deadline)),
    el('td', { text: `${p.approvals}/${p.approvals_needed}` })));
  view(el('h2', { text: `Approvals waiting (${pending.length})` }), el('table', { id: 'approvals' }, el('thead', {}, head), el('tbody', {}, rows)), el('p', {}, refresh));
}

async function approvalPage(id) {
  const mine = generation;
  const pending = (await api('/v1/approvals')).find((p) => p.request_id === id);
  if (mine !== generation) return;
  if (!pending) {
    view(el('h2', { text: `Request ${id}` }), el('p', { id: 'not-pending', text: 'This request does not wait for approval (any more). ' },
      el('a', { href: `#/requests/${encodeURIComponent(id)}`, text: 'Show its status' })));
    return;
  }
  // the token binds the digest of exactly the text on screen, computed here, not the one the server states
  const localSha = pending.payload_sha256 ? await sha256Hex(pending.payload) : null;
  const matches = localSha !== null && localSha === pending.payload_sha256;
  const flowId = pending.flow_id || pending.request_id;
  const decision = decisionForm(pending, localSha, matches && !pending.ambiguous);
  view(
    el('h2', { text: `Approve or reject ${pending.action} for ${pending.tenant_id}` }),
    definitions('approval', [
      ['Request', pending.request_id], ['Tenant', pending.tenant_id], ['Flow', flowId], ['Submitter', pending.submitter],
      ['Action', pending.action], ['Class', pending.class], ['Rule', pending.rule], ['Policy version', pending.policy_version],
      ['Submitted', pending.submitted_at], ['Waiting', duration(isoDurationMillis(pending.age))],
      ['Deadline', el('span', {}, `${pending.deadline} (`, sla(pending.deadline), ')')],
      ['Quorum', el('span', { id: 'quorum', text: `${pending.approvals} of ${pending.approvals_needed} approvals`
        + (pending.approvers.length ? ` (${pending.approvers.join(', ')})` : '') })],
    ]),
    pending.ambiguous ? el('p', { class: 'bad', text: 'The pending topic holds different entries for this id: it cannot be approved.' }) : null,
    el('h3', { text: 'Payload: the canonical JSON the token binds' }),
    el('pre', { id: 'payload', text: pending.payload }),
    HIDDEN_CHARACTERS.test(pending.payload) ? [
      el('p', { id: 'payload-warning', class: 'bad', text: 'The payload holds invisible or direction-changing characters, so the text above may not read as it is. Every character outside ASCII, escaped:' }),
      el('pre', { id: 'payload-escaped', text: escapeNonAscii(pending.payload) }),
    ] : null,
    definitions('digests', [
      ['SHA-256 (gateway)', el('code', { id: 'payload-sha256', text: pending.payload_sha256 ?? 'none: the payload is not JSON' })],
      ['SHA-256 (this page)', el('code', { id: 'payload-sha256-local', class: matches ? 'ok' : 'bad', text: localSha ?? '—' })],
    ]),
    decision,
    el('h3', { text: 'The flow so far' }),
    el('div', { id: 'flow' }, el('p', { class: 'muted', text: 'Loading…' })),
  );
  showFlow(flowId, mine);
}

/** Characters that hide or reorder text (zero-width, bidirectional controls, BOM): a payload could show one thing and say another. */
const HIDDEN_CHARACTERS = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;

function escapeNonAscii(text) {
  return text.replace(/[^\x20-\x7e]/gu, (c) => `\\u{${c.codePointAt(0).toString(16).toUpperCase()}}`);
}

function decisionForm(pending, payloadSha256, signable) {
  const keyFile = el('input', { type: 'file', id: 'key-file', accept: '.key,.pem' });
  const signerLine = el('p', { id: 'signer', class: 'muted', text: signer ? `Signing as ${signer.approver}` : 'No key loaded.' });
  const reason = el('textarea', { id: 'reason', rows: 2, placeholder: 'Reason (required to reject)' });
  const approve = el('button', { type: 'button', id: 'approve', class: 'approve', text: 'Approve' });
  const reject = el('button', { type: 'button', id: 'reject', class: 'reject', text: 'Reject' });
  const result = el('p', { id: 'decision-result', role: 'status' });
  const enable = () => {
    approve.disabled = reject.disabled = !(signable && signer);
  };
  enable();
  keyFile.addEventListener('change', async () => {
    const file = keyFile.files[0];
    keyFile.value = '';
    if (!file) return;
    try {
      const approver = approverOf(file.name);
      signer = { approver, key: await importApproverKey(await file.text()) };
      signerLine.textContent = `Signing as ${approver} (the key stays in this page)`;
      signerLine.className = 'ok';
    } catch (e) {
      signer = null;
      signerLine.textContent = e.message;
      signerLine.className = 'bad';
    }
    enable();
  });
  const decide = async (decisionName) => {
    approve.disabled = reject.disabled = true;
    result.className = '';
    result.textContent = 'Signing…';
    try {
      const statement = statementFor(pending, payloadSha256, signer.approver, decisionName, reason.value, Date.now(), newNonce());
      const token = await signToken(signer.key, statement);
      await api(`/v1/approvals/${encodeURIComponent(pending.request_id)}`, { method: 'POST', body: token, headers: { 'Content-Type': 'text/plain' } });
      result.className = 'ok';
      result.replaceChildren(`${decisionName === 'APPROVE' ? 'Approval' : 'Rejection'} by ${signer.approver} published. `,
        el('a', { id: 'to-request', href: `#/requests/${encodeURIComponent(pending.request_id)}`, text: 'Follow the request' }));
    } catch (e) {
      result.className = 'bad';
      result.textContent = e.message;
      enable();
    }
  };
  approve.addEventListener('click', () => decide('APPROVE'));
  reject.addEventListener('click', () => decide('REJECT'));
  return el('section', { class: 'decision' },
    el('h3', { text: 'Decide' }),
    signable ? null : el('p', { class: 'bad', text: 'This payload cannot be signed: its digest is missing or differs from the one computed here.' }),
    el('label', {}, 'Approver key file (NAME.key from fabric keys generate --approver; read here, never uploaded): ', keyFile),
    signerLine, reason, el('p', {}, approve, ' ', reject), result);
}

// ---- requests and flows

function requestsPage(id) {
  const input = el('input', { id: 'request-id', placeholder: 'request id', size: 40, value: id ?? '' });
  const form = el('form', { id: 'request-form' }, input, ' ', el('button', { type: 'submit', text: 'Show' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/requests/${encodeURIComponent(input.value.trim())}`;
  });
  const status = el('div', { id: 'request' });
  const flow = el('div', { id: 'flow' });
  const trace = el('div', { id: 'trace' });
  view(el('h2', { text: 'Request' }), form, status, el('h3', { text: 'Trace: its path through the fabric' }), trace,
    el('h3', { text: 'Flow checkpoint' }), flow);
  if (id) {
    followRequest(id, generation);
  }
}

function renderStatus(s) {
  $('request')?.replaceChildren(definitions('request-status', [
    ['Request', s.request_id], ['Tenant', s.tenant_id],
    ['Flow', s.flow_id ? el('a', { id: 'to-flow', href: `#/flows/${encodeURIComponent(s.flow_id)}`, text: s.flow_id }) : null],
    ['Action', s.action], ['Class', s.class],
    ['Outcome', el('span', { id: 'outcome', class: 'outcome', text: s.reason ? `${s.outcome} (${s.reason})` : s.outcome })],
    ['Detail', s.detail], ['Rule', s.rule], ['Policy version', s.policy_version], ['Duplicate of', s.duplicate_of], ['Updated', s.updated_at],
  ]));
}

/** Shows the status, then long-polls until it is terminal (or the user leaves the page). */
async function followRequest(id, mine) {
  try {
    let s = await api(`/v1/requests/${encodeURIComponent(id)}`);
    while (mine === generation) {
      renderStatus(s);
      await showFlow(s.flow_id || id, mine);
      await showTrace(id, mine);
      if (!MOVING.has(s.outcome) || s.terminal === true) {
        // the flow's checkpoint is written just after the status: look again for a few seconds
        for (let i = 0; i < 10 && !(await showFlow(s.flow_id || id, mine)) && mine === generation; i++) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        return;
      }
      s = await api(`/v1/requests/${encodeURIComponent(id)}/wait?timeout=PT20S`);
    }
  } catch (e) {
    if (mine === generation) {
      $('request')?.replaceChildren(el('p', { class: 'bad', id: 'request-missing', text: e.message }));
    }
  }
}

/** The request's hops, as fabric trace lists them. */
async function showTrace(id, mine) {
  let content;
  try {
    const t = await api(`/v1/requests/${encodeURIComponent(id)}/trace`);
    content = [el('p', { class: 'muted', text: `submitter ${t.submitter ?? '—'} · approvers ${t.approvers?.length ? t.approvers.join(', ') : '—'} · outcome ${t.outcome}` }),
      table('trace-hops', ['Hop', 'At', '+previous', '+submit', 'Detail'], (t.hops ?? []).map((h) => [h.stage, h.at, `${h.since_previous_ms} ms`,
        `${h.since_submitted_ms} ms`, Object.entries(h.detail ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')]))];
  } catch (e) {
    content = [el('p', { class: 'muted', text: e.message })];
  }
  if (mine === generation) {
    $('trace')?.replaceChildren(...content);
  }
}

/** Shows the flow's latest checkpoint; true when there is one. */
async function showFlow(flowId, mine) {
  let content;
  let found = false;
  try {
    const f = await api(`/v1/flows/${encodeURIComponent(flowId)}`);
    const steps = (f.steps ?? []).map((s) => el('tr', {}, [s.action, s.status, s.plugin, s.attempts, s.submitter, s.request_id].map((v) => el('td', { text: v ?? '' }))));
    content = [
      definitions('flow-checkpoint', [['Flow', f.flow_id], ['Status', f.status], ['Revision', f.revision], ['At', f.at], ['Note', f.note], ['Submitter', f.submitter]]),
      steps.length ? el('table', { id: 'flow-steps' }, el('thead', {}, el('tr', {}, ['Step', 'Status', 'Plugin', 'Attempts', 'Submitter', 'Request'].map((h) => el('th', { text: h })))), el('tbody', {}, steps)) : null,
      el('h3', { text: 'State' }), el('pre', { id: 'flow-state', text: JSON.stringify(f.state, null, 2) }),
    ];
    found = true;
  } catch (e) {
    content = [el('p', { class: 'muted', text: e.status === 404 ? `No checkpoint for flow ${flowId} yet.` : e.message })];
  }
  if (mine === generation) {
    $('flow')?.replaceChildren(...content.filter(Boolean));
  }
  return found;
}

// ---- dead letters

/** The filters of fabric dlq list, as GET /v1/dead-letters takes them. */
const DLQ_FILTERS = [['tenant', 'tenant'], ['flow', 'flow id'], ['action', 'action'], ['stage', 'stage, e.g. plugin:http'],
  ['reason', 'reason, e.g. EXECUTION_FAILED'], ['error', 'error regex'], ['from', 'from (ISO-8601)'], ['to', 'to (ISO-8601)'],
  ['by_duration', 'within, e.g. PT1H']];

async function deadLettersPage(filters) {
  const inputs = DLQ_FILTERS.map(([name, hint]) => el('input', { id: `dlq-${name}`, name, placeholder: hint, size: 14, value: filters.get(name) ?? '' }));
  const form = el('form', { id: 'dlq-filters', class: 'filters' }, inputs, el('button', { type: 'submit', id: 'dlq-filter', text: 'Filter' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const chosen = new URLSearchParams();
    inputs.filter((i) => i.value.trim()).forEach((i) => chosen.set(i.name, i.value.trim()));
    const q = chosen.toString();
    location.hash = `#/dead-letters${q ? `?${q}` : ''}`;
  });
  const mine = generation;
  view(el('h2', { text: 'Dead letters' }), form, el('p', { class: 'muted', text: 'Loading…' }));
  const letters = await api(`/v1/dead-letters?${filters.toString()}`);
  if (mine !== generation) return;
  const head = el('tr', {}, ['Dead letter', 'Dead-lettered', 'Stage', 'Tenant', 'Flow', 'Action', 'Reason', 'Attempts', 'Replayed', 'Error']
    .map((h) => el('th', { text: h })));
  const rows = letters.map((d) => el('tr', { 'data-dead-letter-id': d.id },
    el('td', {}, el('a', { href: `#/dead-letters/${encodeURIComponent(d.id)}`, text: d.id })),
    ...[d.at, d.stage, d.tenant_id, d.flow_id, d.action, d.reason, d.attempts, d.times_replayed, d.error].map((v) => el('td', { text: v ?? '—' }))));
  view(el('h2', { text: `Dead letters (${letters.length})` }), form,
    letters.length ? el('table', { id: 'dead-letters' }, el('thead', {}, head), el('tbody', {}, rows))
      : el('p', { id: 'no-dead-letters', text: 'No dead letters match.' }));
}

async function deadLetterPage(id) {
  const mine = generation;
  let d;
  try {
    d = await api(`/v1/dead-letters/${encodeURIComponent(id)}`);
  } catch (e) {
    if (mine !== generation) return;
    view(el('h2', { text: `Dead letter ${id}` }), el('p', { id: 'dead-letter-missing', class: 'bad', text: e.message }));
    return;
  }
  if (mine !== generation) return;
  const original = d.original ?? {};
  const link = (hash, text) => (text ? el('a', { href: hash, text }) : null);
  view(
    el('h2', { text: `Dead letter ${d.id}` }),
    definitions('dead-letter', [
      ['Dead-lettered', d.at], ['Stage', d.stage], ['Reason', el('span', { id: 'dead-letter-reason', class: 'bad', text: d.reason })],
      ['Error class', d.error_class], ['Error', el('span', { id: 'dead-letter-error', text: d.error_message ?? d.error ?? '—' })],
      ['Tenant', d.tenant_id], ['Flow', link(`#/flows/${encodeURIComponent(d.flow_id ?? '')}`, d.flow_id) ?? '—'],
      ['Request', link(`#/requests/${encodeURIComponent(d.request_id ?? '')}`, d.request_id) ?? '—'],
      ['Submitter', d.submitter], ['Action', d.action ? `${d.action}${d.action_class ? ` (class ${d.action_class})` : ''}` : null],
      ['Original record', original.topic ? `${original.topic} partition ${original.partition} offset ${original.offset}` : null],
      ['Lineage', d.lineage_replays === undefined || d.lineage_replays === null ? null : `replayed ${d.lineage_replays} time(s) before this failure`],
      ['Replayed', d.times_replayed ? `${d.times_replayed} time(s)` : 'never'],
      ['DLQ record', `${d.dlq?.topic ?? ''} partition ${d.dlq?.partition} offset ${d.dlq?.offset}`],
    ]),
    (d.replays ?? []).length ? table('replays', ['To', 'Replay', 'At', 'By'], d.replays.map((r) => [r.target_topic, r.replay_count, r.replayed_at, r.replayed_by])) : null,
    replayForm(d),
    el('h3', { text: 'Attempts' }),
    (d.attempts ?? []).length ? table('attempts', ['#', 'At', 'Error class', 'Error'], d.attempts.map((a) => [a.attempt, a.at, a.error_class, a.error]))
      : el('p', { class: 'muted', text: 'None.' }),
    el('h3', { text: 'Original record' }),
    definitions('original', [['Key', original.key], ['Value type', original.value_type], ['Decode error', original.value_decode_error ?? undefined]]),
    (original.headers ?? []).length ? table('original-headers', ['Header', 'Value'], original.headers.map((h) => [h.key, h.value ?? `base64:${h.value_base64}`])) : null,
    el('pre', { id: 'original-value', text: original.value !== undefined && original.value !== null ? JSON.stringify(original.value, null, 2)
      : `base64:${original.value_base64 ?? d.raw_value_base64 ?? ''}` }),
  );
}

/** A dry run first (the loop guard's verdict on screen), then the replay; it re-enters through the policy gate. */
function replayForm(d) {
  const dryRun = el('button', { type: 'button', id: 'dry-run', text: 'Dry run' });
  const replay = el('button', { type: 'button', id: 'replay', class: 'approve', text: 'Replay', disabled: true });
  const plan = el('div', { id: 'replay-plan', role: 'status' });
  const result = el('p', { id: 'replay-result', role: 'status' });
  const post = (execute) => api(`/v1/dead-letters/${encodeURIComponent(d.id)}/replay${execute ? '?execute=true' : ''}`, { method: 'POST' });
  dryRun.addEventListener('click', async () => {
    replay.disabled = true;
    plan.replaceChildren(el('p', { class: 'muted', text: 'Planning…' }));
    try {
      const report = await post(false);
      const record = (report.records ?? [])[0];
      plan.replaceChildren(...[report.error ? el('p', { class: 'bad', text: report.error }) : null,
        record ? el('p', { id: 'replay-verdict', class: record.status === 'would_replay' ? 'ok' : 'bad',
          text: `${record.status.replace(/_/g, ' ')}${record.target_topic ? ` -> ${record.target_topic}` : ''}: ${record.detail}` })
          : el('p', { id: 'replay-verdict', class: 'bad', text: 'The replayer found nothing to replay.' })].filter(Boolean));
      replay.disabled = !(record && record.status === 'would_replay' && !report.error);
    } catch (e) {
      plan.replaceChildren(el('p', { class: 'bad', text: e.message }));
    }
  });
  replay.addEventListener('click', async () => {
    replay.disabled = dryRun.disabled = true;
    result.className = '';
    result.textContent = 'Replaying…';
    try {
      const report = await post(true);
      const record = (report.records ?? [])[0];
      const done = record?.status === 'replayed';
      result.className = done ? 'ok' : 'bad';
      result.replaceChildren(...[done ? `Replayed to ${record.target_topic} (${record.detail}). ` : `${record?.status ?? 'nothing replayed'}: ${record?.detail ?? report.error ?? ''} `,
        d.request_id ? el('a', { id: 'to-replayed-request', href: `#/requests/${encodeURIComponent(d.request_id)}`, text: 'Follow the request' }) : null]
        .filter(Boolean));
    } catch (e) {
      result.className = 'bad';
      result.textContent = e.message;
    } finally {
      dryRun.disabled = false;
    }
  });
  return el('section', { class: 'decision' }, el('h3', { text: 'Replay' }),
    el('p', { class: 'muted', text: 'A replayed request goes through the policy gate again (a class-B request waits for a fresh approval). '
      + 'The dry run shows what the replayer would do, with the loop guard\'s verdict.' }),
    el('p', {}, dryRun, ' ', replay), plan, result);
}

function table(id, headings, rows) {
  return el('table', { id }, el('thead', {}, el('tr', {}, headings.map((h) => el('th', { text: h })))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((v) => el('td', { text: v === null || v === undefined ? '—' : String(v) }))))));
}

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at < 0 ? [text, null] : [text.slice(0, at), text.slice(at + 1)];
}

// ---- flows: every revision as a timeline, each with the diff to the one before

async function flowPage(id) {
  const input = el('input', { id: 'flow-id', placeholder: 'flow id', size: 40, value: id ?? '' });
  const form = el('form', { id: 'flow-form' }, input, ' ', el('button', { type: 'submit', text: 'Show' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/flows/${encodeURIComponent(input.value.trim())}`;
  });
  if (!id) {
    view(el('h2', { text: 'Flow' }), form);
    return;
  }
  const mine = generation;
  let revisions;
  try {
    revisions = await api(`/v1/flows/${encodeURIComponent(id)}/revisions`);
  } catch (e) {
    if (mine !== generation) return;
    view(el('h2', { text: 'Flow' }), form, el('p', { id: 'flow-missing', class: 'bad', text: e.message }));
    return;
  }
  if (mine !== generation) return;
  const last = revisions[revisions.length - 1];
  view(el('h2', { text: `Flow ${id}` }), form,
    definitions('flow-summary', [['Tenant', last.tenant_id], ['Status', last.status], ['Revisions', revisions.length], ['Latest', last.at],
      ['Evidence', el('a', { id: 'to-evidence', href: `#/evidence/${encodeURIComponent(id)}`, text: 'Evidence pack' })]]),
    el('ol', { id: 'flow-timeline', class: 'timeline' }, revisions.map((r, i) => revisionItem(r, i > 0 ? revisions[i - 1] : null))));
}

function revisionItem(r, before) {
  const steps = (r.steps ?? []).map((s) => [el('a', { href: `#/requests/${encodeURIComponent(s.request_id)}`, text: s.action }),
    el('span', { class: STEP_CLASS[s.status] ?? '', text: s.status }), s.plugin, s.attempts, s.submitter]);
  const changes = diff(before, r);
  return el('li', { 'data-revision': r.revision },
    el('h3', {}, `Revision ${r.revision} · ${r.status} · ${r.at}`),
    r.note ? el('p', { class: 'note', text: r.note }) : null,
    el('table', { class: 'steps' }, el('thead', {}, el('tr', {}, ['Step', 'Status', 'Plugin', 'Attempts', 'Submitter'].map((h) => el('th', { text: h })))),
      el('tbody', {}, steps.map((cells) => el('tr', {}, cells.map((c) => (c instanceof Node ? el('td', {}, c) : el('td', { text: c ?? '—' }))))))),
    el('details', { open: true }, el('summary', { text: before ? `Changes since revision ${before.revision} (${changes.length})` : 'State' }),
      before ? el('ul', { class: 'diff' }, changes.length ? changes.map(([kind, path, text]) => el('li', { class: `diff-${kind}`, text: `${kind === 'added' ? '+' : kind === 'removed' ? '−' : '~'} ${path}: ${text}` }))
        : el('li', { class: 'muted', text: 'no change' }))
        : el('pre', { text: JSON.stringify(r.state, null, 2) })));
}

const STEP_CLASS = { EXECUTED: 'ok', FAILED: 'bad', COMPENSATED: 'warn', COMPENSATION_FAILED: 'bad', IN_DOUBT: 'warn' };

/** What changed from one revision to the next: the flow's status, each step (by request id) and every leaf of the state. */
function diff(before, after) {
  if (!before) return [];
  const out = [];
  if (before.status !== after.status) out.push(['changed', 'status', `${before.status} → ${after.status}`]);
  const stepsBefore = new Map((before.steps ?? []).map((s) => [s.request_id, s]));
  for (const s of after.steps ?? []) {
    const was = stepsBefore.get(s.request_id);
    if (!was) out.push(['added', `step ${s.action}`, `${s.status}, ${s.attempts} attempt(s)`]);
    else if (was.status !== s.status || was.attempts !== s.attempts) {
      out.push(['changed', `step ${s.action}`, `${was.status} → ${s.status}, ${was.attempts} → ${s.attempts} attempt(s)`]);
    }
  }
  const a = flatten(before.state);
  const b = flatten(after.state);
  for (const [path, value] of b) {
    if (!a.has(path)) out.push(['added', `state${path}`, value]);
    else if (a.get(path) !== value) out.push(['changed', `state${path}`, `${a.get(path)} → ${value}`]);
  }
  for (const [path, value] of a) {
    if (!b.has(path)) out.push(['removed', `state${path}`, value]);
  }
  return out;
}

function flatten(value, path = '', out = new Map()) {
  if (value !== null && typeof value === 'object' && Object.keys(value).length) {
    for (const [k, v] of Object.entries(value)) flatten(v, Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`, out);
  } else {
    out.set(path || '.', JSON.stringify(value));
  }
  return out;
}

// ---- audit: the chain's verification, and policy violations and security events as a board

async function auditPage() {
  const mine = generation;
  view(el('h2', { text: 'Audit' }), el('p', { class: 'muted', text: 'Verifying the chain…' }));
  const [chain, violations, security] = await Promise.all([api('/v1/audit/verification'),
    api('/v1/audit/events?type=POLICY_VIOLATION&n=50'), api('/v1/audit/events?type=SECURITY_EVENT&n=50')]);
  if (mine !== generation) return;
  const breaks = chain.partitions.flatMap((p) => p.breaks.map((b) => [p.partition, b.offset, b.kind, b.detail]));
  const board = (id, title, events) => el('section', { class: 'board-column' }, el('h3', { text: `${title} (${events.length})` }),
    events.length ? table(id, ['At', 'Tenant', 'Flow', 'Request', 'Action', 'Detail'],
      [...events].reverse().map((e) => [e.at, e.tenant_id, e.flow_id, e.request_id, e.action, e.detail]))
      : el('p', { class: 'muted', id: `${id}-none`, text: 'None recorded.' }));
  view(el('h2', { text: 'Audit' }),
    el('p', { id: 'chain-status', class: chain.verified ? 'ok big' : 'bad big',
      text: chain.verified ? `Audit chain ${chain.topic}: verified, ${chain.records} records in ${chain.partitions.length} partitions`
        : `Audit chain ${chain.topic}: BROKEN, ${breaks.length} break(s)` }),
    table('chain-partitions', ['Partition', 'Records', 'Sequences', 'From genesis', 'Head hash', 'Breaks', 'Open transaction from'],
      chain.partitions.map((p) => [p.partition, p.records, p.records ? `${p.first_sequence}..${p.last_sequence}` : '—', p.from_genesis ? 'yes' : 'no',
        p.head_hash, p.breaks.length, p.open_transaction_from_offset])),
    breaks.length ? table('chain-breaks', ['Partition', 'Offset', 'Kind', 'Detail'], breaks) : null,
    el('p', { class: 'muted', text: 'The chain proves that no recorded event was edited, dropped, added or reordered since it was chained; '
      + 'it does not prove an event true. Keep the head hashes elsewhere to compare.' }),
    el('div', { class: 'board', id: 'audit-board' }, board('policy-violations', 'Policy violations', violations), board('security-events', 'Security events', security)));
}

// ---- evidence: a flow's pack, downloadable, and its verification against the live topics

async function evidencePage(flowId) {
  const input = el('input', { id: 'evidence-flow-id', placeholder: 'flow id', size: 40, value: flowId ?? '' });
  const form = el('form', { id: 'evidence-form' }, input, ' ', el('button', { type: 'submit', text: 'Show' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/evidence/${encodeURIComponent(input.value.trim())}`;
  });
  if (!flowId) {
    view(el('h2', { text: 'Evidence pack' }), form);
    return;
  }
  const mine = generation;
  view(el('h2', { text: `Evidence pack of flow ${flowId}` }), form, el('p', { class: 'muted', text: 'Exporting and verifying against Kafka…' }));
  let report;
  try {
    report = await api(`/v1/evidence/${encodeURIComponent(flowId)}/verification`);
  } catch (e) {
    if (mine !== generation) return;
    view(el('h2', { text: `Evidence pack of flow ${flowId}` }), form, el('p', { id: 'evidence-missing', class: 'bad', text: e.message }));
    return;
  }
  if (mine !== generation) return;
  const download = el('button', { type: 'button', id: 'download-evidence', text: 'Download the pack' });
  const downloaded = el('span', { id: 'evidence-downloaded', class: 'muted' });
  download.addEventListener('click', async () => {
    // fetched with the API key (a plain link would carry none), then saved from memory
    const response = await fetch(`/v1/evidence/${encodeURIComponent(flowId)}`, { headers: authorization(), cache: 'no-store' });
    if (!response.ok) {
      downloaded.textContent = `${response.status}`;
      return;
    }
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: `evidence-${flowId.replace(/[^A-Za-z0-9._-]/g, '_')}.json` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    downloaded.textContent = ` ${blob.size} bytes saved`;
  });
  const failed = report.checks.filter((c) => !c.ok).length;
  view(el('h2', { text: `Evidence pack of flow ${flowId}` }), form,
    el('p', { id: 'evidence-status', class: report.verified ? 'ok big' : 'bad big',
      text: report.verified ? `Verified against the live topics: ${report.checks.length} checks` : `FAILED: ${failed} of ${report.checks.length} checks` }),
    el('p', {}, download, downloaded),
    table('evidence-checks', ['', 'Subject', 'Detail'], report.checks.map((c) => [c.ok ? '✓' : '✗', c.subject, c.detail])),
    el('h3', { text: 'What a pack cannot prove on its own' }),
    el('ul', { id: 'evidence-cannot-prove' }, report.cannot_prove.map((line) => el('li', { text: line }))));
}

// ---- overview: this process's metrics, and what waits for the key's tenants

let lastScrape = null;

async function overviewPage() {
  const mine = generation;
  const render = async () => {
    const [metricsText, pending, recentDeadLetters] = await Promise.all([
      fetch('/metrics', { cache: 'no-store' }).then((r) => (r.ok ? r.text() : '')),
      api('/v1/approvals'), api('/v1/dead-letters?by_duration=PT1H')]);
    if (mine !== generation) return;
    const m = summarize(parseMetrics(metricsText));
    const now = Date.now();
    const rate = lastScrape ? perMinute(lastScrape.deadLetters, m.deadLetters, now - lastScrape.at) : null;
    lastScrape = { at: now, deadLetters: m.deadLetters };
    const oldest = pending.reduce((o, p) => (!o || isoDurationMillis(p.age) > isoDurationMillis(o.age) ? p : o), null);
    const card = (id, label, value, note) => el('div', { class: 'card', id }, el('div', { class: 'card-value', text: String(value) }),
      el('div', { class: 'card-label', text: label }), note ? el('div', { class: 'muted', text: note }) : null);
    view(el('h2', { text: 'Overview' }),
      el('h3', { text: 'Your tenants' }),
      el('div', { class: 'cards' },
        card('pending-approvals', 'approvals waiting', pending.length,
          oldest ? `oldest ${duration(isoDurationMillis(oldest.age))}: ${oldest.action} of ${oldest.tenant_id}` : 'none'),
        card('recent-dead-letters', 'dead letters in the last hour', recentDeadLetters.length)),
      el('h3', { text: 'This process, every tenant (as /metrics)' }),
      metricsText ? [
        el('div', { class: 'cards' },
          Object.entries(m.decisions).sort().map(([outcome, n]) => card(`decisions-${outcome}`, outcome, n)),
          card('dead-letters-total', 'dead letters', m.deadLetters, rate === null ? 'rate: next refresh' : `${rate.toFixed(1)} per minute`),
          card('replays-total', 'replays admitted', m.replays),
          card('breakers-tripped', 'breakers tripped', m.breakersTripped,
            m.breakersTripped ? 'tenants or submitters paused: fabric breakers list' : 'nothing paused'),
          card('pending-gauge', 'pending in this process', m.pending, m.pending ? `oldest ${duration(m.oldestPendingSeconds * 1000)}` : null)),
        m.latency.length ? table('plugin-latency', ['Plugin', 'Calls', 'Mean', 'p50', 'p99'],
          m.latency.map((l) => [l.plugin, l.calls, `${l.meanMs.toFixed(0)} ms`, fmtMs(l.p50Ms), fmtMs(l.p99Ms)]))
          : el('p', { class: 'muted', text: 'No plugin calls yet.' }),
      ] : el('p', { class: 'muted', id: 'no-metrics', text: 'This process serves no metrics.' }),
      el('p', { class: 'muted', text: `Refreshed ${new Date(now).toISOString()}; every 5 s while this page is open.` }));
  };
  await render();
  const timer = setInterval(() => {
    if (mine !== generation) {
      clearInterval(timer);
      return;
    }
    render().catch((e) => showError(e.message));
  }, 5000);
}

function fmtMs(value) {
  return value === null ? '—' : `${value.toFixed(0)} ms`;
}

// ---- session and routing

function showLogin(message) {
  $('login').hidden = false;
  $('session').hidden = true;
  view();
  showError(message ?? '');
  $('api-key').focus();
}

async function route() {
  generation++;
  showError('');
  if (sessionStorage.getItem(KEY_STORAGE) === null) {
    showLogin();
    return;
  }
  $('login').hidden = true;
  $('session').hidden = false;
  const [path, query] = splitOnce(location.hash, '?');
  const [, page, id] = /^#\/([a-z-]+)(?:\/(.+))?$/.exec(path) ?? [null, 'approvals', null];
  const param = id ? decodeURIComponent(id) : null;
  document.querySelectorAll('header nav a').forEach((a) => a.classList.toggle('current', a.id === `nav-${page}`));
  try {
    if (page === 'requests') requestsPage(param);
    else if (page === 'dead-letters') await (param ? deadLetterPage(param) : deadLettersPage(new URLSearchParams(query ?? '')));
    else if (page === 'flows') await flowPage(param);
    else if (page === 'audit') await auditPage();
    else if (page === 'evidence') await evidencePage(param);
    else if (page === 'overview') await overviewPage();
    else if (param) await approvalPage(param);
    else await approvalsPage();
  } catch (e) {
    if (e.status !== 401) showError(e.message);
  }
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, $('api-key').value.trim());
  $('api-key').value = '';
  route();
});
$('forget-key').addEventListener('click', () => {
  sessionStorage.removeItem(KEY_STORAGE);
  signer = null;
  route();
});
window.addEventListener('hashchange', route);
route();
