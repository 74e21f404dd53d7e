/**
 * The handshake as a self-contained web page (`--html FILE`): no network fetches, CSS and script
 * inline. For each connection:
 * - a two-column ladder, client on the left and server on the right, one arrow per message, with
 *   badges for what travelled encrypted and the key-schedule steps between messages;
 * - each message expands on click to its decoded fields, what it is for, the states around it,
 *   and an annotated hex dump: which bytes are the header, the lengths, the random, the suite
 *   list, each extension, … (drawn by the script from the byte layout, so the page stays small);
 * - the certificate chains with their validity, the outcome, and the diagnosis of a failure.
 */
import { certificateLayout, type CertificateSummary, type UnreadableCertificate } from './certificate-summary.js';
import { hex, otherSide, type Side } from './decode.js';
import { describeDiagnosis, type Diagnosis } from './diagnose.js';
import type { HandshakeSummary } from './summary.js';
import type { ApplicationDataRecord, TraceMessage } from './timeline.js';
import { messageId, withMessageIds } from './ladder.js';
import { fromHex, latin1Decode } from '../codec/text.js';

export interface HtmlConnection {
  /** Anchor for links ("tls13"); unique in the page. */
  readonly id: string;
  readonly title: string;
  readonly about?: string;
  /** Short lines under the title ("server listening on 127.0.0.1:4433", …). */
  readonly context?: readonly string[];
  readonly messages: readonly TraceMessage[];
  readonly summary: HandshakeSummary;
  readonly diagnoses?: Partial<Record<Side, Diagnosis>>;
  /** Rows added to the outcome table. */
  readonly extra?: readonly [string, string][];
  /** Whether the run was what was expected (demo), shown as a banner. */
  readonly verdict?: { readonly ok: boolean; readonly text: string };
  /** Application data records (their count and sizes; contents with showData). */
  readonly applicationData?: readonly ApplicationDataRecord[];
  readonly showData?: boolean;
  /** An earlier connection shown before this one, arrows only (resumption: where the ticket came from). */
  readonly first?: { readonly title: string; readonly messages: readonly TraceMessage[] };
}

export interface HtmlPage {
  readonly title: string;
  /** Paragraphs under the title. */
  readonly intro?: readonly string[];
  readonly connections: readonly HtmlConnection[];
  /** The clock certificate validity is judged against (default: now). */
  readonly now?: Date;
}

export function renderHtml(page: HtmlPage): string {
  const now = page.now ?? new Date();
  const data: Record<string, { h: string; l: [number, number, string, string][] }> = {};
  const sections = page.connections.map((c, i) => section(c, i, page.connections.length, now, data));
  const toc =
    page.connections.length > 1
      ? `<nav class="toc"><h2>Connections</h2><ol>${page.connections
          .map((c) => `<li><a href="#${attr(c.id)}">${esc(c.title)}</a>${c.verdict ? ` <span class="pill ${c.verdict.ok ? 'ok' : 'bad'}">${esc(c.verdict.ok ? 'as expected' : 'unexpected')}</span>` : ''}</li>`)
          .join('')}</ol></nav>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(page.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top">
<h1>${esc(page.title)}</h1>
${(page.intro ?? []).map((p) => `<p>${esc(p)}</p>`).join('\n')}
<p class="howto">Read each ladder top to bottom: the <b class="c">client</b> is on the left, the <b class="s">server</b> on the right, and each arrow is one message, numbered in wire order.
Messages are numbered by sender (C1, S1, …), so the client\u2019s and the server\u2019s pages of one connection agree.
<b>Click a message</b> to see its fields, what it is for, and its bytes with each field marked. ${LOCK} marks messages that travelled encrypted; green lines are steps of the key schedule.</p>
</header>
${toc}
<main>
${sections.join('\n')}
</main>
<script type="application/json" id="tlsglass-bytes">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function section(c: HtmlConnection, i: number, total: number, now: Date, data: Record<string, { h: string; l: [number, number, string, string][] }>): string {
  const id = c.id;
  const parts: string[] = [];
  parts.push(`<section class="conn" id="${attr(id)}">`);
  parts.push(`<h2>${total > 1 ? `<span class="n">${i + 1}</span> ` : ''}${esc(c.title)}</h2>`);
  if (c.about) parts.push(`<p class="about">${esc(c.about)}</p>`);
  for (const line of c.context ?? []) parts.push(`<p class="ctx">${esc(line)}</p>`);
  if (c.first) {
    parts.push(`<details class="first"><summary>${esc(c.first.title)} (${c.first.messages.length} messages)</summary>`);
    parts.push(ladder(`${id}-first`, c.first.messages, data));
    parts.push('</details>');
  }
  parts.push(`<div class="tools"><button type="button" class="expand-all" data-target="${attr(id)}-ladder">Expand all</button> <button type="button" class="collapse-all" data-target="${attr(id)}-ladder">Collapse all</button></div>`);
  parts.push(ladder(`${id}-ladder`, c.messages, data));
  parts.push(outcome(c));
  parts.push(chains(c, now, data));
  parts.push('</section>');
  return parts.join('\n');
}

function ladder(id: string, messages: readonly TraceMessage[], data: Record<string, { h: string; l: [number, number, string, string][] }>): string {
  const rows: string[] = [];
  rows.push(`<div class="ladder" id="${attr(id)}">`);
  rows.push('<div class="heads"><span class="head c">Client</span><span class="head s">Server</span></div>');
  for (const m of messages) {
    const mid = `${id}-m${m.index}`;
    data[mid] = { h: hex(m.raw), l: m.layout.map((r) => [r.start, r.end, r.kind, r.label]) };
    const alert = m.decoded.alert;
    const label = alert ? `Alert: ${alert.level} ${alert.description}` : m.decoded.name;
    const classes = ['msg', `from-${m.from}`];
    if (alert?.fatal) classes.push('fatal');
    if (m.read === false) classes.push('unread');
    const badges: string[] = [];
    if (m.decoded.protection !== 'clear') {
      badges.push(`<span class="badge enc">${LOCK} encrypted${m.decoded.protection === 'encrypted' ? '' : ` \u00b7 ${esc(m.decoded.protection)}`}</span>`);
    }
    if (m.read === false) badges.push(`<span class="badge unread">never read: the ${otherSide(m.from)} had already stopped</span>`);
    rows.push(
      `<div class="${classes.join(' ')}" data-index="${m.index}" data-name="${attr(m.decoded.name)}" data-from="${m.from}">` +
        `<button type="button" class="arrow" aria-expanded="false" aria-controls="${attr(mid)}" title="${attr(`${m.id}. ${label}, the ${m.from}\u2019s message ${m.id.slice(1)}: click for details`)}">` +
        `<span class="num">${m.id}</span><span class="shaft"><span class="label"><span class="name">${esc(label)}</span>${badges.join('')}</span></span></button>` +
        details(mid, m) +
        '</div>',
    );
    if (m.decoded.milestone) rows.push(`<div class="milestone"><span>${KEY} ${esc(m.decoded.milestone.replace(/^keys: /, ''))}</span></div>`);
  }
  rows.push('</div>');
  return rows.join('\n');
}

function details(id: string, m: TraceMessage): string {
  const d = m.decoded;
  const out: string[] = [`<div class="details" id="${attr(id)}" hidden>`];
  out.push(`<p class="what"><b>${esc(d.name)}</b>, ${m.raw.length} bytes, from the ${m.from} to the ${otherSide(m.from)}; ${protectionText(d.protection)}.</p>`);
  if (d.note) out.push(`<p class="why"><b>Why</b> ${esc(d.note)}</p>`);
  if (d.milestone) out.push(`<p class="keys"><b>Keys</b> ${esc(d.milestone.replace(/^keys: /, ''))}</p>`);
  if (d.fields.length > 0) {
    out.push('<table class="fields"><tbody>');
    for (const f of d.fields) {
      const value = typeof f.value === 'string' ? esc(f.value) : f.value.map((v) => `<div>${esc(v)}</div>`).join('');
      out.push(`<tr><th>${esc(f.name)}</th><td class="${typeof f.value === 'string' ? '' : 'list'}">${value}</td></tr>`);
    }
    out.push('</tbody></table>');
  }
  const states: string[] = [];
  if (m.sender) states.push(`${m.from}: ${esc(m.sender.before)} \u2192 ${esc(m.sender.after)}`);
  if (m.receiver) states.push(`${otherSide(m.from)}: ${esc(m.receiver.before)} \u2192 ${esc(m.receiver.after)}`);
  if (states.length) out.push(`<p class="states"><b>State</b> ${states.join('<br>')}</p>`);
  out.push(`<div class="bytes"><h4>The ${m.raw.length} bytes <small>(as the ${m.decoded.protection === 'clear' ? 'wire carried them' : 'record layer decrypted them'}; hover a byte or a field to see where it sits)</small></h4><div class="dump"><div class="hexdump"></div><ol class="legend"></ol></div></div>`);
  out.push('</div>');
  return out.join('');
}

/** What an ML-KEM key exchange buys, for the outcome table (draft-ietf-tls-ecdhe-mlkem). */
function postQuantum(keyExchange: string | undefined): string | undefined {
  if (keyExchange?.includes('ML-KEM (hybrid)')) {
    return 'yes: the secret came from ML-KEM and ECDHE together and stays safe unless both are broken, so traffic recorded now cannot be decrypted later by a quantum computer (harvest now, decrypt later)';
  }
  if (keyExchange?.includes('ML-KEM')) return 'yes: ML-KEM alone, no classical exchange beside it';
  return undefined;
}

function protectionText(p: string): string {
  switch (p) {
    case 'clear':
      return 'sent in the clear';
    case 'encrypted':
      return 'sent encrypted (after the sender\u2019s ChangeCipherSpec)';
    default:
      return `sent encrypted with the ${p}`;
  }
}

function outcome(c: HtmlConnection): string {
  const s = c.summary;
  const rows: [string, string][] = [
    ['Outcome', s.completed ? 'handshake complete: both Finished messages exchanged' : 'handshake failed'],
    ['Version', s.version?.replace('TLSv', 'TLS ') ?? '(not agreed)'],
    ['Cipher suite', s.suite ? (s.suite.openssl === s.suite.iana ? s.suite.iana : `${s.suite.openssl} (${s.suite.iana})`) : '(not agreed)'],
    ['Key exchange', s.keyExchange === undefined ? '(not agreed)' : `${s.keyExchange}${s.forwardSecrecy ? ' (forward secret)' : ' (no forward secrecy)'}`],
    ['Server authenticated', `${s.server.authenticated ? 'yes' : 'no'}, ${s.server.how}`],
    ['Client authenticated', `${s.client.authenticated ? 'yes' : 'no'}, ${s.client.how}`],
    ['ALPN', s.alpn ?? 'none agreed'],
  ];
  if (s.version !== 'TLSv1.3') rows.push(['Extended master secret', s.extendedMasterSecret ? 'yes (RFC 7627)' : 'no']);
  const pq = postQuantum(s.keyExchange);
  if (pq) rows.push(['Post-quantum', pq]);
  if (s.helloRetry) rows.push(['Hello retry', 'yes: the server asked for another key share']);
  rows.push(['Resumed', s.resumed ? 'yes: an abbreviated handshake, no certificate exchanged' : 'no: a full handshake']);
  if (c.applicationData) rows.push(['Application data', applicationDataText(c.applicationData, c.showData === true)]);
  rows.push(...(c.extra ?? []));
  const out: string[] = ['<div class="outcome">'];
  if (c.verdict) out.push(`<p class="verdict ${c.verdict.ok ? 'ok' : 'bad'}">${c.verdict.ok ? '\u2714' : '\u2718'} ${esc(c.verdict.text)}</p>`);
  out.push(`<h3>Outcome</h3><table class="summary ${s.completed ? 'ok' : 'bad'}"><tbody>`);
  for (const [k, v] of rows) out.push(`<tr><th>${esc(k.charAt(0).toUpperCase() + k.slice(1))}</th><td>${esc(v)}</td></tr>`);
  out.push('</tbody></table>');
  for (const side of ['client', 'server'] as const) {
    const d = c.diagnoses?.[side];
    if (!d) continue;
    out.push(`<div class="diagnosis"><h3>Diagnosis, as the ${side} sees it</h3><dl>`);
    if (d.step) out.push(`<dt>Failed at</dt><dd>${esc(withMessageIds(d.step, c.messages))}</dd>`);
    if (d.alert) out.push(`<dt>Alert</dt><dd>${esc(d.alert.description)}, sent by the ${d.alert.from} (message ${esc(messageId(d.alert.index, c.messages))})</dd>`);
    if (d.code) out.push(`<dt>Error code</dt><dd><code>${esc(d.code)}</code></dd>`);
    out.push(`<dt>Likely cause</dt><dd class="cause">${esc(d.cause)}</dd></dl><p class="plain">${esc(describeDiagnosis(d))}</p></div>`);
  }
  out.push('</div>');
  return out.join('\n');
}

/** "client → server: 1 record, 5 bytes (5); server → client: …", then each record's text with showData. */
function applicationDataText(records: readonly ApplicationDataRecord[], showData: boolean): string {
  const ways = (['client', 'server'] as const).map((from) => {
    const mine = records.filter((r) => r.from === from);
    const bytes = mine.reduce((n, r) => n + r.length, 0);
    return `${from} \u2192 ${from === 'client' ? 'server' : 'client'}: ${mine.length} ${mine.length === 1 ? 'record' : 'records'}, ${bytes} bytes${mine.length > 1 ? ` (sizes ${mine.map((r) => r.length).join(', ')})` : ''}`;
  });
  const contents = showData
    ? records.map((r, i) => `; record ${i + 1} from the ${r.from}: ${JSON.stringify(r.data ? latin1Decode(r.data.subarray(0, 512)) : '')}`).join('')
    : records.length > 0
      ? '; contents not shown (--show-data)'
      : '';
  return ways.join('; ') + contents;
}

function chains(c: HtmlConnection, now: Date, data: Record<string, { h: string; l: [number, number, string, string][] }>): string {
  const out: string[] = [];
  for (const m of c.messages) {
    const chain = m.decoded.certificates;
    if (!chain || chain.length === 0) continue;
    const anchor = c.summary[m.from].trustAnchor;
    out.push(`<div class="chain"><h3>The ${m.from}\u2019s certificate chain <small>(message ${m.id}, leaf first)</small></h3>`);
    chain.forEach((cert, i) => out.push(certificateCard(cert, i, now, `${c.id}-m${m.index}-cert${i}`, data, anchor?.sha256)));
    out.push(
      anchor
        ? `<p class="anchor">Verified up to the trust anchor <b>${esc(anchor.subject)}</b> <small>(SHA-256 ${esc(colons(anchor.sha256))})</small>${chain.some((x) => !('error' in x) && x.sha256 === anchor.sha256) ? ', which the peer also sent' : ', from the verifier\u2019s trust store'}.</p>`
        : `<p class="anchor">No trust anchor recorded: ${esc(c.summary[m.from].how)}</p>`,
    );
    out.push('</div>');
  }
  return out.join('\n');
}

function certificateCard(
  c: CertificateSummary | UnreadableCertificate,
  i: number,
  now: Date,
  id: string,
  data: Record<string, { h: string; l: [number, number, string, string][] }>,
  anchorSha256: string | undefined,
): string {
  const der = fromHex(c.der);
  data[id] = { h: c.der, l: certificateLayout(der).map((r) => [r.start, r.end, r.kind, r.label]) };
  const breakdown =
    `<details class="der"><summary>The ${der.length} bytes of DER, field by field</summary>` +
    `<div class="der-bytes" id="${attr(id)}"><div class="dump"><div class="hexdump"></div><ol class="legend"></ol></div></div></details>`;
  if ('error' in c) return `<div class="cert bad"><p>[${i}] unreadable: ${esc(c.error)}</p>${breakdown}</div>`;
  const from = Date.parse(c.notBefore);
  const to = Date.parse(c.notAfter);
  const t = now.getTime();
  const day = 86_400_000;
  let status: string;
  let cls: string;
  if (t < from) {
    status = `not valid yet: starts in ${Math.ceil((from - t) / day)} days`;
    cls = 'bad';
  } else if (t > to) {
    status = `expired ${Math.max(1, Math.round((t - to) / day))} days ago`;
    cls = 'bad';
  } else {
    status = `valid now, ${Math.floor((to - t) / day)} days left`;
    cls = 'ok';
  }
  const span = Math.max(1, to - from);
  const pos = Math.min(100, Math.max(0, ((t - from) / span) * 100));
  return (
    `<div class="cert ${cls}"><div class="cert-head"><span class="idx">[${i}]</span> <b>${esc(c.subject)}</b>${c.selfIssued ? ' <span class="pill">self-issued</span>' : ''}` +
    `${c.sha256 === anchorSha256 ? ' <span class="pill ok">trust anchor</span>' : ''}</div>` +
    `<dl><dt>Issuer</dt><dd>${esc(c.issuer)}</dd><dt>Serial</dt><dd><code>${esc(colons(c.serialNumber))}</code></dd>` +
    `<dt>Key</dt><dd>${esc(c.key)}</dd><dt>Signature</dt><dd>${esc(c.signatureAlgorithm)} <small>(by the issuer)</small></dd>` +
    (c.names.length ? `<dt>Names</dt><dd>${c.names.map((n) => `<code>${esc(n)}</code>`).join(' ')}</dd>` : '') +
    `<dt>Valid</dt><dd>${esc(utc(c.notBefore))} \u2192 ${esc(utc(c.notAfter))} <span class="status ${cls}">${esc(status)}</span>` +
    `<div class="validity"><span class="now" style="left:${pos.toFixed(1)}%"></span></div></dd>` +
    `<dt>SHA-256</dt><dd><code class="fp">${esc(colons(c.sha256))}</code></dd></dl>${breakdown}</div>`
  );
}

/** "ab:cd:ef", as openssl x509 -fingerprint prints it (upper case). */
function colons(hexText: string): string {
  return (hexText.toUpperCase().match(/../g) ?? []).join(':');
}

function utc(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return esc(s).replace(/"/g, '&quot;');
}

const LOCK =
  '<svg class="icon" viewBox="0 0 16 16" aria-hidden="true"><rect x="3" y="7" width="10" height="8" rx="1.5" fill="currentColor"/><path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" stroke-width="1.8"/></svg>';
const KEY =
  '<svg class="icon" viewBox="0 0 16 16" aria-hidden="true"><circle cx="5" cy="8" r="3.2" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M8 8h7M12.5 8v3M15 8v2" fill="none" stroke="currentColor" stroke-width="1.8"/></svg>';

const CSS = `
:root{--client:#1565c0;--server:#7b1fa2;--alert:#c62828;--ok:#2e7d32;--muted:#5f6b7a;--line:#d7dde5;--bg:#f6f8fa;--enc:#8a5a00;
--k-type:#cfd8dc;--k-length:#ffe0b2;--k-version:#b2dfdb;--k-random:#e1bee7;--k-session:#d7ccc8;--k-suites:#bbdefb;--k-extension:#c5cae9;--k-extension-data:#e8eaf6;
--k-key:#c8e6c9;--k-signature:#f8bbd0;--k-certificate:#fff9c4;--k-mac:#ffcdd2;--k-ticket:#dcedc8;--k-value:#eceff1;--k-unparsed:#eeeeee}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1f2933;background:#fff}
code,.hexdump,.fields td,.states{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
header.top{padding:20px 32px 8px;border-bottom:1px solid var(--line);background:var(--bg)}
h1{margin:0 0 6px;font-size:24px}
header.top p{margin:4px 0;max-width:980px;color:#334}
.howto{font-size:14px;color:var(--muted)!important}
b.c{color:var(--client)}b.s{color:var(--server)}
nav.toc{padding:8px 32px;border-bottom:1px solid var(--line)}
nav.toc h2{font-size:15px;margin:6px 0}
nav.toc ol{margin:0;padding-left:22px;columns:2;font-size:14px}
main{padding:0 32px 40px;max-width:1180px}
section.conn{padding:18px 0 26px;border-bottom:2px solid var(--line)}
section.conn h2{font-size:20px;margin:6px 0}
section.conn h2 .n{display:inline-block;min-width:28px;height:28px;line-height:28px;text-align:center;border-radius:14px;background:#263238;color:#fff;font-size:15px}
.about{max-width:980px;margin:6px 0}
.ctx{color:var(--muted);font-size:13px;margin:2px 0}
.tools{margin:10px 0 2px;text-align:right}
.tools button{font:inherit;font-size:13px;padding:3px 10px;border:1px solid var(--line);background:#fff;border-radius:4px;cursor:pointer}
details.first{margin:10px 0;padding:6px 10px;background:var(--bg);border-radius:6px}
details.first summary{cursor:pointer;color:var(--muted)}
.ladder{position:relative;--l:150px;--r:150px;padding-bottom:10px}
.ladder::before,.ladder::after{content:"";position:absolute;top:34px;bottom:0;width:3px;border-radius:2px;opacity:.55}
.ladder::before{left:calc(var(--l) - 1px);background:var(--client)}
.ladder::after{right:calc(var(--r) - 2px);background:var(--server)}
.heads{position:relative;height:34px}
.head{position:absolute;top:2px;transform:translateX(-50%);padding:3px 14px;border-radius:14px;color:#fff;font-weight:600;font-size:14px}
.head.c{left:var(--l);background:var(--client)}
.head.s{right:var(--r);transform:translateX(50%);background:var(--server)}
.msg{position:relative}
.msg>.arrow{display:block;position:relative;width:100%;height:44px;margin:0;padding:0;border:0;background:none;cursor:pointer;font:inherit;color:inherit;text-align:left}
.msg>.arrow:hover{background:linear-gradient(90deg,transparent,rgba(38,50,56,.05) 15%,rgba(38,50,56,.05) 85%,transparent)}
.msg>.arrow:focus-visible{outline:2px solid #f9a825;outline-offset:-2px}
.num{position:absolute;left:calc(var(--l) - 56px);top:14px;width:34px;text-align:right;font-weight:600;color:var(--muted);font-variant-numeric:tabular-nums}
.shaft{position:absolute;left:var(--l);right:var(--r);top:27px;height:0;border-top:2px solid var(--c)}
.from-client{--c:var(--client)}.from-server{--c:var(--server)}.fatal{--c:var(--alert)}
.shaft::after{content:"";position:absolute;top:-7px;border:6px solid transparent}
.from-client .shaft::after{right:-2px;border-left:11px solid var(--c);border-right:0}
.from-server .shaft::after{left:-2px;border-right:11px solid var(--c);border-left:0}
.label{position:absolute;bottom:4px;left:50%;transform:translateX(-50%);white-space:nowrap;background:#fff;padding:0 8px}
.label .name{font-weight:650;color:var(--c);font-size:15px}
.arrow[aria-expanded=true] .name::after{content:" \\25BE"}
.arrow[aria-expanded=false] .name::after{content:" \\25B8";color:#9aa5b1}
.badge{display:inline-block;font-size:11.5px;line-height:16px;padding:0 6px;border-radius:8px;margin:0 0 0 6px;vertical-align:1px}
.badge.enc{color:var(--enc);background:#fff4dc;border:1px solid #f0d9a8}
.badge.unread{color:#555;background:#eee;border:1px dashed #999}
.unread .shaft{border-top-style:dashed}
.icon{width:11px;height:11px;vertical-align:-1px}
.milestone{position:relative;margin:-2px calc(var(--r) + 24px) 6px calc(var(--l) + 24px);text-align:center;font-size:12.5px;color:var(--ok)}
.milestone span{display:inline-block;background:#f1f8e9;border:1px dashed #9ccc65;border-radius:6px;padding:2px 10px}
.details{position:relative;z-index:1;margin:2px 24px 14px calc(var(--l) - 40px);padding:12px 16px;background:#fff;border:1px solid var(--line);border-left:4px solid var(--c);border-radius:6px;box-shadow:0 2px 8px rgba(0,0,0,.06)}
.from-server>.details{margin-left:70px;margin-right:calc(var(--r) - 40px)}
.details p{margin:4px 0 8px}
.what{color:var(--muted);font-size:13px}
.why b,.keys b,.states b{display:inline-block;min-width:48px;color:#263238}
.keys{color:var(--ok)}
table.fields{border-collapse:collapse;margin:6px 0 10px;font-size:13px;width:100%}
table.fields th{text-align:left;vertical-align:top;padding:3px 12px 3px 0;white-space:nowrap;color:#37474f;font-weight:600;width:1%}
table.fields td{padding:3px 0;white-space:pre-wrap;word-break:break-word}
table.fields tr+tr th,table.fields tr+tr td{border-top:1px solid #eef1f4}
.states{font-size:12px;color:var(--muted)}
.bytes h4{margin:10px 0 4px;font-size:13px}
.bytes small{font-weight:400;color:var(--muted)}
.dump{display:flex;gap:16px;align-items:flex-start}
.hexdump{flex:none;font-size:12.5px;line-height:1.55;overflow-x:auto;background:#fafbfc;border:1px solid var(--line);border-radius:4px;padding:6px 8px;max-height:420px;overflow-y:auto}
.hexdump .asc{margin-left:12px;color:#7b8794;white-space:pre}
.hexdump .pad{white-space:pre}
.hexdump .row{white-space:nowrap}
.hexdump .off{color:#9aa5b1;margin-right:10px}
.hexdump .b{padding:0 2px;margin-right:1px;border-radius:2px;cursor:default}
.hexdump .b.hl,.legend li.hl{outline:2px solid #263238}
.legend{flex:1;margin:0;padding:0;list-style:none;font-size:12.5px;max-height:420px;overflow-y:auto}
.legend li{padding:1px 4px;border-radius:3px;break-inside:avoid;cursor:default}
.legend .sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px;border:1px solid rgba(0,0,0,.15)}
.legend .rg{color:var(--muted);font-family:ui-monospace,"DejaVu Sans Mono",monospace;margin-right:6px}
.k-type{background:var(--k-type)}.k-length{background:var(--k-length)}.k-version{background:var(--k-version)}.k-random{background:var(--k-random)}
.k-session{background:var(--k-session)}.k-suites{background:var(--k-suites)}.k-extension{background:var(--k-extension)}.k-extension-data{background:var(--k-extension-data)}
.k-key{background:var(--k-key)}.k-signature{background:var(--k-signature)}.k-certificate{background:var(--k-certificate)}.k-mac{background:var(--k-mac)}
.k-ticket{background:var(--k-ticket)}.k-value{background:var(--k-value)}.k-unparsed{background:var(--k-unparsed)}
.outcome h3,.chain h3{font-size:16px;margin:16px 0 6px}
.chain h3 small{font-weight:400;color:var(--muted)}
table.summary{border-collapse:collapse;font-size:14px;border-left:4px solid var(--ok)}
table.summary.bad{border-left-color:var(--alert)}
table.summary th{text-align:left;padding:4px 16px 4px 10px;white-space:nowrap;vertical-align:top;color:#37474f;font-weight:600}
table.summary td{padding:4px 0;max-width:820px}
table.summary tr:first-child td{font-weight:600}
table.summary.ok tr:first-child td{color:var(--ok)}table.summary.bad tr:first-child td{color:var(--alert)}
.verdict{display:inline-block;margin:12px 0 0;padding:4px 12px;border-radius:14px;font-weight:600}
.verdict.ok{background:#e8f5e9;color:var(--ok)}.verdict.bad{background:#ffebee;color:var(--alert)}
.diagnosis{margin:12px 0;padding:10px 14px;border:1px solid #f5c6c6;border-left:4px solid var(--alert);background:#fff8f8;border-radius:6px;max-width:980px}
.diagnosis h3{margin:0 0 6px;font-size:15px;color:var(--alert)}
.diagnosis dl{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:0;font-size:14px}
.diagnosis dt{font-weight:600;color:#37474f}.diagnosis dd{margin:0}
.diagnosis .cause{font-weight:600}
.diagnosis .plain{display:none}
.cert{margin:8px 0;padding:8px 12px;border:1px solid var(--line);border-left:4px solid var(--ok);border-radius:6px;max-width:820px;font-size:14px}
.cert.bad{border-left-color:var(--alert)}
.cert dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:6px 0 0}
.cert dt{color:var(--muted)}.cert dd{margin:0}
.cert .idx{color:var(--muted)}
.status{margin-left:8px;font-size:12.5px;padding:0 6px;border-radius:8px}
.status.ok{background:#e8f5e9;color:var(--ok)}.status.bad{background:#ffebee;color:var(--alert)}
.validity{position:relative;height:6px;margin:5px 0 2px;max-width:360px;border-radius:3px;background:linear-gradient(90deg,#a5d6a7,#66bb6a)}
.cert.bad .validity{background:#ef9a9a}
.validity .now{position:absolute;top:-4px;width:3px;height:14px;margin-left:-1px;background:#263238;border-radius:1px}
.cert code.fp{font-size:12px;word-break:break-all}
.cert details.der{margin-top:6px}.cert details.der summary{cursor:pointer;color:var(--muted);font-size:13px}
.chain .anchor{font-size:14px;margin:4px 0 10px}
.pill{font-size:11.5px;padding:0 7px;border-radius:8px;background:#eceff1;color:#455a64}
.pill.ok{background:#e8f5e9;color:var(--ok)}.pill.bad{background:#ffebee;color:var(--alert)}
@media (max-width:900px){.ladder{--l:70px;--r:40px}.details,.from-server>.details{margin-left:8px;margin-right:8px}.dump{display:block}.legend{margin-top:8px}}
`;

const SCRIPT = `
(function(){
  var bytes = JSON.parse(document.getElementById('tlsglass-bytes').textContent);
  function el(tag, cls, text){ var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
  function fillBytes(panel){
    if (panel.dataset.filled) return;
    panel.dataset.filled = '1';
    var d = bytes[panel.id]; if (!d) return;
    var n = d.h.length / 2, owner = new Array(n).fill(-1);
    d.l.forEach(function(r, i){ for (var j = r[0]; j < r[1] && j < n; j++) owner[j] = i; });
    var dump = panel.querySelector('.hexdump'), legend = panel.querySelector('.legend');
    var spans = [];
    for (var off = 0; off < n; off += 16) {
      var row = el('div', 'row');
      row.appendChild(el('span', 'off', ('000' + off.toString(16)).slice(-4)));
      for (var j = off; j < Math.min(n, off + 16); j++) {
        var r = owner[j], s = el('span', 'b' + (r >= 0 ? ' k-' + d.l[r][2] : ''), d.h.substr(j * 2, 2));
        if (r >= 0) { s.dataset.r = r; s.title = d.l[r][3] + '  [bytes ' + d.l[r][0] + '\\u2013' + (d.l[r][1] - 1) + ']'; }
        row.appendChild(s); spans.push(s);
      }
      for (var f = n; f < off + 16 && off + 16 > n; f++) { var pad = el('span', 'b pad', '  '); row.appendChild(pad); }
      var text = '';
      for (var k = off; k < Math.min(n, off + 16); k++) { var c = parseInt(d.h.substr(k * 2, 2), 16); text += c >= 32 && c < 127 ? String.fromCharCode(c) : '\u00b7'; }
      row.appendChild(el('span', 'asc', text));
      dump.appendChild(row);
    }
    d.l.forEach(function(r, i){
      var li = el('li'); li.dataset.r = i;
      li.appendChild(el('span', 'sw k-' + r[2]));
      li.appendChild(el('span', 'rg', r[0] === r[1] - 1 ? String(r[0]) : r[0] + '\\u2013' + (r[1] - 1)));
      li.appendChild(document.createTextNode(r[3]));
      legend.appendChild(li);
    });
    function mark(r, on){
      spans.forEach(function(s){ if (s.dataset.r === r) s.classList.toggle('hl', on); });
      var li = legend.querySelector('li[data-r="' + r + '"]'); if (li) li.classList.toggle('hl', on);
    }
    [dump, legend].forEach(function(box){
      box.addEventListener('mouseover', function(e){ var t = e.target.closest('[data-r]'); if (t) mark(t.dataset.r, true); });
      box.addEventListener('mouseout', function(e){ var t = e.target.closest('[data-r]'); if (t) mark(t.dataset.r, false); });
    });
  }
  function setOpen(button, open){
    var panel = document.getElementById(button.getAttribute('aria-controls'));
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    panel.hidden = !open;
    if (open) fillBytes(panel);
  }
  document.addEventListener('click', function(e){
    var b = e.target.closest('button.arrow');
    if (b) { setOpen(b, b.getAttribute('aria-expanded') !== 'true'); return; }
    var all = e.target.closest('button.expand-all, button.collapse-all');
    if (all) {
      var open = all.classList.contains('expand-all');
      document.getElementById(all.dataset.target).querySelectorAll('button.arrow').forEach(function(x){ setOpen(x, open); });
    }
  });
  document.addEventListener('toggle', function(e){
    var d = e.target;
    if (d.matches && d.matches('details.der') && d.open) fillBytes(d.querySelector('.der-bytes'));
  }, true);
  if (location.hash) { var t = document.getElementById(location.hash.slice(1)); if (t) t.scrollIntoView(); }
})();
`;
