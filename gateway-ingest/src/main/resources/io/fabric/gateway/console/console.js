// The web console: pages over the gateway's public HTTP API only (GET /v1/approvals,
// POST /v1/approvals/{id}, GET /v1/requests/{id}[/wait], GET /v1/flows/{id}), called with the API
// key the user typed. Everything shown is set as text, never as HTML, since payloads come from callers.
import { approverOf, importApproverKey, newNonce, sha256Hex, signToken, statementFor } from '/console/approval-token.js';

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
  const pending = await api('/v1/approvals');
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
  view(el('h2', { text: 'Request' }), form, status, el('h3', { text: 'Flow checkpoint' }), flow);
  if (id) {
    followRequest(id, generation);
  }
}

function renderStatus(s) {
  $('request')?.replaceChildren(definitions('request-status', [
    ['Request', s.request_id], ['Tenant', s.tenant_id], ['Flow', s.flow_id], ['Action', s.action], ['Class', s.class],
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
  const [, page, id] = /^#\/([a-z]+)(?:\/(.+))?$/.exec(location.hash) ?? [null, 'approvals', null];
  const param = id ? decodeURIComponent(id) : null;
  document.querySelectorAll('header nav a').forEach((a) => a.classList.toggle('current', a.id === `nav-${page}`));
  try {
    if (page === 'requests') requestsPage(param);
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
