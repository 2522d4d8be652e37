// Approval tokens made in the browser, byte for byte as `fabric approve ID --key NAME.key --token-only`
// makes them (policy-stream's TokenStatement, TokenSigner and TokenCodec): the approver's Ed25519 key
// signs the statement's bytes, and the token is the unpadded base64url of its Avro single-object
// encoding. The private key is imported as a non-extractable CryptoKey and never leaves this page.
// ConsoleTokenBrowserTest checks a token made here against the Java signer's.

/** Domain-separation label, the first field of the signed bytes (TokenStatement.LABEL). */
export const LABEL = 'fabric.approval-token.v1';

/**
 * The ApprovalToken schema's CRC-64-AVRO fingerprint, in the byte order of the single-object header.
 * ApprovalTokenScriptTest fails when the schema changes and this constant does not.
 */
export const SCHEMA_FINGERPRINT = 'de3bd56768bc7877';

/** How long a token lives, as TokenSigner.DEFAULT_TTL. */
export const DEFAULT_TTL_MS = 3600 * 1000;

const APPROVER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** The approver a key file belongs to, as ApproverKeys.approverOf: keys/alice.key is alice's. */
export function approverOf(fileName) {
  const base = fileName.replace(/^.*[\\/]/, '');
  const name = base.endsWith('.key') ? base.slice(0, -'.key'.length) : base;
  if (!APPROVER_NAME.test(name)) {
    throw new Error(`cannot tell the approver from key file name ${base}: expected NAME.key`);
  }
  return name;
}

/** Imports the PEM PKCS#8 Ed25519 private key of `fabric keys generate --approver` for signing only. */
export async function importApproverKey(pemText) {
  const match = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/.exec(pemText);
  if (!match) {
    throw new Error('not a PEM private key (expected -----BEGIN PRIVATE KEY-----, as fabric keys generate --approver writes)');
  }
  const der = Uint8Array.from(atob(match[1].replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  try {
    return await crypto.subtle.importKey('pkcs8', der, { name: 'Ed25519' }, false, ['sign']);
  } catch (e) {
    throw new Error(`not an Ed25519 private key (${e.message})`);
  }
}

/** Hex SHA-256 of the UTF-8 of `text`, as CanonicalPayload.sha256Hex. */
export async function sha256Hex(text) {
  const digest = await crypto.subtle.digest('SHA-256', utf8(text, 'payload'));
  return hex(new Uint8Array(digest));
}

/** 16 random bytes, unpadded base64url, as TokenSigner's nonce. */
export function newNonce() {
  return base64url(crypto.getRandomValues(new Uint8Array(16)));
}

/**
 * The statement an approver signs on a pending request as GET /v1/approvals lists it. A request
 * without a flow names its own id, the flow the gateway starts for it (ApprovalSubject).
 */
export function statementFor(pending, payloadSha256, approver, decision, reason, issuedAtMillis, nonce) {
  const why = (reason || '').trim();
  if (decision === 'REJECT' && why === '') {
    throw new Error('a rejection needs a reason');
  }
  return {
    request_id: pending.request_id,
    tenant_id: pending.tenant_id,
    flow_id: pending.flow_id ? pending.flow_id : pending.request_id,
    action: pending.action,
    payload_sha256: payloadSha256,
    approver,
    decision,
    reason: why,
    issued_at: issuedAtMillis,
    expires_at: issuedAtMillis + DEFAULT_TTL_MS,
    nonce,
  };
}

/** The bytes the key signs (TokenStatement.toBytes): length-prefixed UTF-8 strings, 8-byte big-endian longs. */
export function statementBytes(s) {
  const out = [];
  const str = (value, field) => {
    const bytes = utf8(value, field);
    out.push(bigEndian(BigInt(bytes.length), 4), bytes);
  };
  str(LABEL, 'label');
  for (const field of ['request_id', 'tenant_id', 'flow_id', 'action', 'payload_sha256', 'approver', 'decision', 'reason']) {
    str(s[field], field);
  }
  out.push(bigEndian(BigInt(s.issued_at), 8), bigEndian(BigInt(s.expires_at), 8));
  str(s.nonce, 'nonce');
  return concat(out);
}

/** The token's Avro single-object bytes (marker C3 01, schema fingerprint, fields in schema order). */
export function tokenBytes(s, signature) {
  const out = [Uint8Array.of(0xc3, 0x01), Uint8Array.from(SCHEMA_FINGERPRINT.match(/../g), (h) => parseInt(h, 16))];
  const avroString = (value, field) => {
    const bytes = utf8(value, field);
    out.push(avroLong(BigInt(bytes.length)), bytes);
  };
  for (const field of ['request_id', 'tenant_id', 'flow_id', 'action', 'payload_sha256', 'approver', 'decision', 'reason']) {
    avroString(s[field], field);
  }
  out.push(avroLong(BigInt(s.issued_at)), avroLong(BigInt(s.expires_at)));
  avroString(s.nonce, 'nonce');
  out.push(avroLong(BigInt(signature.length)), signature);
  return concat(out);
}

/** Signs the statement with the approver's key and returns the token string POST /v1/approvals/{id} takes. */
export async function signToken(privateKey, statement) {
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, statementBytes(statement)));
  return base64url(tokenBytes(statement, signature));
}

export function base64url(bytes) {
  let binary = '';
  bytes.forEach((b) => { binary += String.fromCharCode(b); });
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function utf8(value, field) {
  if (typeof value !== 'string') {
    throw new Error(`token field ${field} is missing`);
  }
  // TextEncoder would replace a lone surrogate; the Java signer refuses one, so this does too
  if (!value.isWellFormed()) {
    throw new Error(`token field ${field} is not valid Unicode`);
  }
  return new TextEncoder().encode(value);
}

function bigEndian(value, bytes) {
  const out = new Uint8Array(bytes);
  let v = BigInt.asUintN(bytes * 8, value);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Avro's long: zig-zag, then 7 bits a byte, low bits first. */
function avroLong(value) {
  let z = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const out = [];
  while (z >= 0x80n) {
    out.push(Number((z & 0x7fn) | 0x80n));
    z >>= 7n;
  }
  out.push(Number(z));
  return Uint8Array.from(out);
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
