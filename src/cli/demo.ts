/**
 * `tlsglass demo`: makes a throwaway CA and certificates in memory, runs the handshakes the
 * handshake notes describe between our own client and server on 127.0.0.1 (TLS 1.2 one-way,
 * mutual, RSA key exchange, DHE; TLS 1.3 one-way, mutual, HelloRetryRequest, resumption; and a
 * failure on purpose), and prints each as a ladder, as JSON (--json) or as a web page (--html).
 * Exit 0 when every scenario behaved as expected (the intended failure included), else 1.
 */
import { writeFileSync } from 'node:fs';
import { renderHtml, type HtmlConnection } from '../trace/html.js';
import { connectionToJson, summaryToJson } from '../trace/json.js';
import { renderDiagnosis, renderLadder, renderSummary, wrap, type LadderOptions } from '../trace/ladder.js';
import { DEMO_SERVERNAME, makeDemoPki, runScenarios, SCENARIOS, type DemoPki, type ScenarioResult } from './demo-scenarios.js';
import { EXIT, describeOptions, parseArgs, UsageError, type OptionSpec, type ParsedArgs } from './options.js';

const DEMO_OPTIONS: readonly OptionSpec[] = [
  { names: ['--json'], key: 'json', kind: 'flag', help: 'print the scenarios as JSON: per message the direction, name, fields, raw hex, states; then the outcome', example: 'tlsglass demo --json > demo.json' },
  { names: ['--html'], key: 'html', kind: 'value', arg: 'FILE', help: 'also write the scenarios as a self-contained web page (click a message for its fields and bytes)', example: 'tlsglass demo --html demo.html' },
  { names: ['--only'], key: 'only', kind: 'value', arg: 'IDS', help: `run only these scenarios (comma-separated): ${SCENARIOS.map((s) => s.id).join(', ')}`, example: 'tlsglass demo --only tls13,tls13-resumption' },
  { names: ['--no-color'], key: 'no-color', kind: 'flag', help: 'plain text even on a terminal (colour is also off when piped, or with NO_COLOR set)', example: 'tlsglass demo --no-color | less' },
  { names: ['--in-memory'], key: 'in-memory', kind: 'flag', help: 'connect the two sides in memory instead of over TCP on 127.0.0.1', example: 'tlsglass demo --in-memory' },
  { names: ['--debug'], key: 'debug', kind: 'flag', help: 'print stack traces of internal errors', example: 'tlsglass demo --debug' },
  { names: ['--help', '-h'], key: 'help', kind: 'flag', help: 'this text', example: 'tlsglass demo --help' },
];

const USAGE = `Usage: tlsglass demo [options]

Runs handshakes between tlsglass's own client and server and shows every message:
  TLS 1.2:  1. one-way with ECDHE   2. mutual   3. RSA key exchange   4. DHE (ffdhe2048)
  TLS 1.3:  5. one-way              6. mutual   7. HelloRetryRequest  8. resumption with a ticket
  9. post-quantum: the X25519MLKEM768 hybrid key exchange (ML-KEM-768 beside x25519)
  10. a failure on purpose: the server requires a client certificate the client lacks
Everything (CA, certificates, keys) is made in memory and thrown away; nothing leaves 127.0.0.1.

Options:
${describeOptions(DEMO_OPTIONS)}

Exit status: 0 every scenario behaved as expected (the intended failure included), 1 one did not,
2 bad command line.
`;

/** Where the demo writes: stdout, or a collector in tests. */
export interface DemoOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export async function demoCommand(argv: string[], out: DemoOutput = process.stdout, err: DemoOutput = process.stderr): Promise<number> {
  let only: string[] | undefined;
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, DEMO_OPTIONS);
    if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    if (args.values.has('only')) {
      only = args.values.get('only')!.split(',').filter(Boolean);
      const unknown = only.filter((id) => !SCENARIOS.some((s) => s.id === id));
      if (unknown.length > 0) throw new UsageError(`unknown scenario ${unknown.join(', ')} (known: ${SCENARIOS.map((s) => s.id).join(', ')})`);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err.write(`tlsglass demo: ${e.message}\n\nUsage: tlsglass demo [options]\nRun 'tlsglass demo --help' for every option, each with an example.\n`);
    return EXIT.usage;
  }
  if (args.flags.has('help')) {
    out.write(USAGE);
    return EXIT.ok;
  }
  const color = out.isTTY === true && !process.env['NO_COLOR'] && !args.flags.has('no-color');
  let transport: 'tcp' | 'memory' = args.flags.has('in-memory') ? 'memory' : 'tcp';

  const pki = makeDemoPki();
  let results: ScenarioResult[];
  let note = '';
  try {
    results = await runScenarios({ transport, pki, ...(only ? { only } : {}) });
  } catch (e) {
    if (transport === 'memory') throw e;
    // No loopback networking (a sandbox, say): the core is the same without sockets.
    note = `TCP on 127.0.0.1 failed (${e instanceof Error ? e.message : String(e)}), so the sides were connected in memory.`;
    transport = 'memory';
    results = await runScenarios({ transport, pki, ...(only ? { only } : {}) });
  }
  const passed = results.every((r) => r.passed);

  if (args.flags.has('json')) {
    out.write(JSON.stringify(toJson(results, transport, pki, note), null, 2) + '\n');
  } else {
    const width = out.isTTY ? Math.min(110, Math.max(80, out.columns ?? 100)) : 100;
    out.write(renderDemo(results, pki, { color, width }, transport, note));
  }
  const html = args.values.get('html');
  if (html !== undefined) {
    try {
      writeFileSync(html, demoHtml(results, transport));
    } catch (e) {
      err.write(`tlsglass demo: cannot write ${html}: ${(e as Error).message}\n`);
      return EXIT.tls;
    }
    if (args.flags.has('json')) err.write(`wrote ${html}\n`);
    else out.write(`The same, as a web page: ${html}\n`);
  }
  return passed ? EXIT.ok : EXIT.tls;
}

function verdictOf(r: ScenarioResult): string {
  if (!r.passed) return `unexpected: ${r.problems.join('; ')}`;
  return r.scenario.expect === 'failure' ? 'failed as intended' : 'succeeded as expected';
}

function dataRow(r: ScenarioResult): [string, string][] {
  return r.data ? [['application data', `sent '${r.data.sent}', echoed back '${r.data.received}', encrypted both ways`]] : [];
}

/** The whole text report: header, one section per scenario, verdict. */
export function renderDemo(results: readonly ScenarioResult[], pki: DemoPki, options: LadderOptions, transport: 'tcp' | 'memory', note = ''): string {
  const width = options.width ?? 100;
  const bold = (s: string): string => (options.color ? `\x1b[1m${s}\x1b[0m` : s);
  const green = (s: string): string => (options.color ? `\x1b[32m${s}\x1b[0m` : s);
  const red = (s: string): string => (options.color ? `\x1b[1;31m${s}\x1b[0m` : s);
  const dim = (s: string): string => (options.color ? `\x1b[2m${s}\x1b[0m` : s);
  const out: string[] = [];
  const para = (text: string, indent = 2): void => {
    for (const line of wrap(text, width - indent, 0)) out.push(' '.repeat(indent) + line);
  };
  out.push(bold(`tlsglass demo: ${results.length} handshake${results.length === 1 ? '' : 's'}, TLS 1.2 and TLS 1.3, every message shown`));
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
  para(
    'Read each ladder top to bottom: the client is on the left, the server on the right, and each arrow is one message on the wire, numbered in the order it was sent. ' +
      'Under it are its main fields, and why it is there. "(encrypted …)" on an arrow means that message travelled encrypted; "keys" lines are steps of the key schedule.',
  );
  out.push('');

  results.forEach((r, i) => {
    const heading = `${i + 1}/${results.length}  ${r.scenario.title}`;
    out.push(bold(`${'═'.repeat(3)} ${heading} ${'═'.repeat(Math.max(3, width - heading.length - 5))}`));
    para(r.scenario.about);
    if (r.address) para(`server listening on ${r.address}; client connects with servername '${DEMO_SERVERNAME}'.`);
    out.push('');
    if (r.first) {
      para(bold('First connection: a full handshake that ends with a ticket (arrows only; scenario 5 shows each message):'));
      out.push('');
      out.push(renderLadder(r.first.messages, { ...options, compact: true }));
      out.push('');
      para(bold('Second connection, offering that ticket:'));
      out.push('');
    }
    out.push(renderLadder(r.messages, options));
    out.push(renderSummary(r.summary, options, dataRow(r)));
    for (const side of ['client', 'server'] as const) {
      const d = r.diagnoses[side];
      if (d) {
        out.push('');
        out.push(renderDiagnosis(side, d, options, r.messages));
      }
    }
    out.push('');
    out.push(r.passed ? green(`  \u2714 ${verdictOf(r)}`) + dim(` (${r.ms} ms)`) : red(`  \u2718 ${verdictOf(r)}`));
    out.push('');
  });

  const failed = results.filter((r) => !r.passed);
  out.push(
    failed.length === 0
      ? green(bold(results.length === 1 ? 'The scenario behaved as expected.' : `All ${results.length} scenarios behaved as expected.`))
      : red(`${failed.length} of ${results.length} scenarios did not behave as expected: ${failed.map((r) => r.scenario.id).join(', ')}`),
  );
  return out.join('\n') + '\n';
}

/** The machine-readable form: everything the text shows, plus raw bytes, byte layouts and state names. */
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
      ...(r.first ? { first: connectionToJson({ messages: r.first.messages, summary: r.first.summary }) } : {}),
      ...connectionToJson(r),
      // Kept at the top level too, as before the outcome object existed.
      summary: summaryToJson(r.summary),
      data: r.data ?? null,
    })),
  };
}

/** The demo as one web page, a section per scenario. */
export function demoHtml(results: readonly ScenarioResult[], transport: 'tcp' | 'memory'): string {
  const connections: HtmlConnection[] = results.map((r) => ({
    id: r.scenario.id,
    title: r.scenario.title,
    about: r.scenario.about,
    context: [
      transport === 'tcp' ? `tlsglass client and server over TCP on ${r.address ?? '127.0.0.1'}, servername '${DEMO_SERVERNAME}'` : 'tlsglass client and server connected in memory',
    ],
    messages: r.messages,
    summary: r.summary,
    diagnoses: r.diagnoses,
    extra: dataRow(r),
    verdict: { ok: r.passed, text: verdictOf(r) },
    ...(r.first ? { first: { title: 'First connection: the full handshake that got the ticket', messages: r.first.messages } } : {}),
  }));
  return renderHtml({
    title: 'tlsglass demo: TLS 1.2 and TLS 1.3 handshakes, every message shown',
    intro: [
      'Each scenario ran a tlsglass client against a tlsglass server with a throwaway CA made in memory. Nothing left this machine.',
    ],
    connections,
  });
}
