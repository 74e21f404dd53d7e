/**
 * `tlsglass demo`: makes a throwaway CA and certificates in memory, runs the TLS 1.2 handshakes
 * the handshake notes describe (one-way ECDHE, mutual, RSA key exchange, DHE, and a failure on
 * purpose) between our own client and server on 127.0.0.1, and prints each as a ladder.
 * Exit 0 when every scenario behaved as expected (the intended failure included), else 1.
 */
import { hex, otherSide, type Field } from '../trace/decode.js';
import { describeDiagnosis } from '../trace/diagnose.js';
import { renderDiagnosis, renderLadder, renderSummary, wrap, type LadderOptions } from '../trace/ladder.js';
import { DEMO_SERVERNAME, makeDemoPki, runScenarios, type DemoPki, type ScenarioResult } from './demo-scenarios.js';

const USAGE = `Usage: tlsglass demo [--json] [--no-color] [--in-memory]

Runs five TLS 1.2 handshakes between tlsglass's own client and server and shows every message:
  1. one-way TLS with ECDHE   2. mutual TLS   3. RSA key exchange   4. DHE (ffdhe2048)
  5. a failure on purpose: the server requires a client certificate the client lacks
Everything (CA, certificates, keys) is made in memory and thrown away; nothing leaves 127.0.0.1.

Options:
  --json        print the scenarios as JSON (messages, fields, raw bytes, outcome)
  --no-color    plain text even on a terminal (colour is also off when piped, or with NO_COLOR)
  --in-memory   connect the two sides in memory instead of over TCP sockets
  --help        this text

Example:
  tlsglass demo | less -R
`;

/** Where the demo writes: stdout, or a collector in tests. */
export interface DemoOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export async function demoCommand(argv: string[], out: DemoOutput = process.stdout, err: DemoOutput = process.stderr): Promise<number> {
  let json = false;
  let color = out.isTTY === true && !process.env['NO_COLOR'];
  let transport: 'tcp' | 'memory' = 'tcp';
  for (const arg of argv) {
    switch (arg) {
      case '--json':
        json = true;
        break;
      case '--no-color':
        color = false;
        break;
      case '--in-memory':
        transport = 'memory';
        break;
      case '--help':
      case '-h':
        out.write(USAGE);
        return 0;
      default:
        err.write(`tlsglass demo: unknown option ${arg}\n\n${USAGE}`);
        return 2;
    }
  }

  const pki = makeDemoPki();
  let results: ScenarioResult[];
  let note = '';
  try {
    results = await runScenarios({ transport, pki });
  } catch (e) {
    if (transport === 'memory') throw e;
    // No loopback networking (a sandbox, say): the core is the same without sockets.
    note = `TCP on 127.0.0.1 failed (${e instanceof Error ? e.message : String(e)}), so the sides were connected in memory.`;
    transport = 'memory';
    results = await runScenarios({ transport, pki });
  }
  const passed = results.every((r) => r.passed);

  if (json) {
    out.write(JSON.stringify(toJson(results, transport, pki, note), null, 2) + '\n');
  } else {
    const width = out.isTTY ? Math.min(110, Math.max(80, out.columns ?? 100)) : 100;
    out.write(renderDemo(results, pki, { color, width }, transport, note));
  }
  return passed ? 0 : 1;
}

/** The whole text report: header, one section per scenario, verdict. */
export function renderDemo(results: readonly ScenarioResult[], pki: DemoPki, options: LadderOptions, transport: 'tcp' | 'memory', note = ''): string {
  const width = options.width ?? 100;
  const bold = (s: string): string => (options.color ? `\x1b[1m${s}\x1b[0m` : s);
  const green = (s: string): string => (options.color ? `\x1b[32m${s}\x1b[0m` : s);
  const red = (s: string): string => (options.color ? `\x1b[1;31m${s}\x1b[0m` : s);
  const out: string[] = [];
  const para = (text: string, indent = 2): void => {
    for (const line of wrap(text, width - indent, 0)) out.push(' '.repeat(indent) + line);
  };
  out.push(bold(`tlsglass demo: ${results.length} TLS 1.2 handshakes, every message shown`));
  out.push('');
  para(
    transport === 'tcp'
      ? 'Each scenario starts a tlsglass server on 127.0.0.1 (port 0: the system picks a free port) and connects a tlsglass client to it over a real TCP socket.'
      : 'Each scenario connects a tlsglass client and server in memory (no sockets): the same bytes a network would carry.',
  );
  if (note) para(note);
  para(
    `The certificates were made in memory just now: a CA (${pki.ca.key.asymmetricKeyType === 'ec' ? 'EC P-256' : 'RSA'}) that issued two server certificates for localhost (one RSA, one ECDSA) and a client certificate. ` +
      'The client trusts that CA and nothing else.',
  );
  out.push('');
  para('Read each ladder top to bottom: the client is on the left, the server on the right, and each arrow is one message on the wire, numbered in the order it was sent. Under it are its main fields, and why it is there.');
  out.push('');

  results.forEach((r, i) => {
    const heading = `${i + 1}/${results.length}  ${r.scenario.title}`;
    out.push(bold(`${'═'.repeat(3)} ${heading} ${'═'.repeat(Math.max(3, width - heading.length - 5))}`));
    para(r.scenario.about);
    if (r.address) para(`server listening on ${r.address}; client connects with servername '${DEMO_SERVERNAME}'.`);
    out.push('');
    out.push(renderLadder(r.messages, options));
    out.push(renderSummary(r.summary, options));
    if (r.data) out.push(`     ${'application data'.padEnd(22)}  sent '${r.data.sent}', echoed back '${r.data.received}', encrypted both ways`);
    for (const side of ['client', 'server'] as const) {
      const d = r.diagnoses[side];
      if (d) {
        out.push('');
        out.push(renderDiagnosis(side, d, options));
      }
    }
    out.push('');
    const verdict = r.scenario.expect === 'failure' ? 'failed as intended' : 'succeeded as expected';
    out.push(r.passed ? green(`  \u2714 ${verdict} (${r.ms} ms)`) : red(`  \u2718 unexpected: ${r.problems.join('; ')}`));
    out.push('');
  });

  const failed = results.filter((r) => !r.passed);
  out.push(
    failed.length === 0
      ? green(bold(`All ${results.length} scenarios behaved as expected.`))
      : red(`${failed.length} of ${results.length} scenarios did not behave as expected: ${failed.map((r) => r.scenario.id).join(', ')}`),
  );
  return out.join('\n') + '\n';
}

/** The machine-readable form: everything the text shows, plus raw bytes and state names. */
export function toJson(results: readonly ScenarioResult[], transport: 'tcp' | 'memory', pki: DemoPki, note = ''): unknown {
  return {
    command: 'tlsglass demo',
    transport,
    ...(note ? { note } : {}),
    allPassed: results.every((r) => r.passed),
    pki: { ca: pki.ca.certPem, rsaServer: pki.rsaServer.certPem, ecdsaServer: pki.ecdsaServer.certPem, client: pki.client.certPem },
    scenarios: results.map((r) => ({
      id: r.scenario.id,
      title: r.scenario.title,
      expect: r.scenario.expect,
      passed: r.passed,
      problems: r.problems,
      transport: r.transport,
      address: r.address ?? null,
      ms: r.ms,
      messages: r.messages.map((m) => ({
        index: m.index,
        from: m.from,
        to: otherSide(m.from),
        name: m.decoded.name,
        fields: Object.fromEntries(m.decoded.fields.map((f: Field) => [f.name, f.value])),
        note: m.decoded.note,
        ...(m.decoded.alert ? { alert: m.decoded.alert } : {}),
        ...(m.decoded.certificates ? { certificates: m.decoded.certificates } : {}),
        read: m.read ?? null,
        states: { sender: m.sender ?? null, receiver: m.receiver ?? null },
        length: m.raw.length,
        hex: hex(m.raw),
      })),
      summary: r.summary,
      data: r.data ?? null,
      errors: Object.fromEntries(
        Object.entries(r.errors).map(([side, e]) => [side, { message: e.message, code: (e as { code?: string }).code ?? null }]),
      ),
      diagnoses: Object.fromEntries(Object.entries(r.diagnoses).map(([side, d]) => [side, { ...d, text: describeDiagnosis(d) }])),
    })),
  };
}
