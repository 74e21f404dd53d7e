/**
 * A stapled OCSP response (RFC 6066 §8, RFC 8446 §4.4.2.1) as the trace and `connect --status`
 * show it: the response status, the responder, and each certificate's status with its validity
 * window. What was sent, decoded; nothing here is a verdict (the signature is not checked).
 */
import { toHex } from '../codec/text.js';
import { parseOcspResponse, type OcspResponse } from '../pki/ocsp.js';
import { distinguishedName } from './certificate-summary.js';
import type { Field, JsonValue } from './decode.js';

/** Why `der` is not a readable OCSP response, or undefined when it is. */
function unreadable(der: Uint8Array): string | undefined {
  try {
    parseOcspResponse(der);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** The response decoded for --json (docs/json.md); an undecodable one is only its bytes (it is still what was stapled). */
export function ocspJson(der: Uint8Array): { [key: string]: JsonValue } {
  let r: OcspResponse;
  try {
    r = parseOcspResponse(der);
  } catch {
    return { der: toHex(der) };
  }
  if (!r.basic) return { responseStatus: r.responseStatus, der: toHex(der) };
  const b = r.basic;
  return {
    responseStatus: r.responseStatus,
    ...('byName' in b.responder ? { responder: distinguishedName(b.responder.byName) } : { responderKeyHash: toHex(b.responder.byKeyHash) }),
    producedAt: b.producedAt.toISOString(),
    responses: b.responses.map((s) => ({
      serialNumber: s.serialNumber,
      certStatus: s.status,
      ...(s.revocationTime ? { revocationTime: s.revocationTime.toISOString() } : {}),
      ...(s.revocationReason ? { revocationReason: s.revocationReason } : {}),
      thisUpdate: s.thisUpdate.toISOString(),
      ...(s.nextUpdate ? { nextUpdate: s.nextUpdate.toISOString() } : {}),
    })),
    der: toHex(der),
  };
}

/** The lines a person reads: "responseStatus: successful", "serial 1f…: good", … */
export function ocspLines(der: Uint8Array): string[] {
  const why = unreadable(der);
  if (why !== undefined) return [`not a readable OCSP response: ${why}`];
  const j = ocspJson(der);
  const lines = [`responseStatus: ${String(j['responseStatus'])}`];
  if (j['responder'] !== undefined) lines.push(`responder: ${String(j['responder'])}`);
  if (j['responderKeyHash'] !== undefined) lines.push(`responder: the key whose SHA-1 is ${String(j['responderKeyHash'])}`);
  if (j['producedAt'] !== undefined) lines.push(`producedAt: ${String(j['producedAt'])}`);
  for (const s of (j['responses'] ?? []) as { [key: string]: JsonValue }[]) {
    const revoked = s['revocationTime'] ? ` at ${String(s['revocationTime'])}${s['revocationReason'] ? ` (${String(s['revocationReason'])})` : ''}` : '';
    lines.push(`serial ${String(s['serialNumber'])}: ${String(s['certStatus'])}${revoked}`);
    lines.push(`  thisUpdate ${String(s['thisUpdate'])}${s['nextUpdate'] ? `, nextUpdate ${String(s['nextUpdate'])}` : ''}`);
  }
  return lines;
}

/** One trace field for a stapled response. */
export function ocspField(der: Uint8Array): Field {
  const why = unreadable(der);
  return {
    name: 'OCSP response',
    key: 'ocsp_response',
    value: [`${der.length} bytes:`, ...ocspLines(der)],
    block: true,
    raw: ocspJson(der),
    note: why === undefined ? 'decoded, not checked: the signature is not verified' : `not a readable OCSP response: ${why}`,
  };
}
