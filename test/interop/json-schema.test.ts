/**
 * The --json output against its documentation: docs/json.md holds a JSON Schema; this runs the
 * real CLI (connect against serve, each with --json, over TLS 1.3 and over mutual TLS 1.2, and
 * demo) and checks every line of stdout against it, then what the schema cannot say: both
 * sides number the messages alike, the servername is filled in, no TLS 1.2 field on a TLS 1.3
 * connection, and application data as counts and sizes unless --show-data.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { runPeer, runTlsglassConnectCli, startTlsglassServeCli, TLSGLASS_CLI } from '../helpers/peers.js';
import { writePkiFiles, type PkiFiles } from '../helpers/pki.js';

const DOC = fileURLToPath(new URL('../../../docs/json.md', import.meta.url));
const LIMIT = { timeout: 60_000 };

type Schema = { [key: string]: unknown };

/** The ```json block under "## Schema" in docs/json.md. */
function documentedSchema(): { $defs: Record<string, Schema> } {
  const doc = readFileSync(DOC, 'utf8');
  const block = /## Schema[\s\S]*?```json\n([\s\S]*?)\n```/.exec(doc);
  assert.ok(block, 'docs/json.md has a ```json schema block under "## Schema"');
  return JSON.parse(block[1]!) as { $defs: Record<string, Schema> };
}

/**
 * The errors of `value` against `schema`: the JSON Schema keywords the document uses (type,
 * properties, required, additionalProperties, items, enum, const, pattern, $ref), nothing else.
 */
function validate(value: unknown, schema: Schema, defs: Record<string, Schema>, path = '$'): string[] {
  if (typeof schema['$ref'] === 'string') {
    const name = (schema['$ref'] as string).replace('#/$defs/', '');
    assert.ok(defs[name], `$ref ${name} is defined`);
    return validate(value, defs[name]!, defs, path);
  }
  const errors: string[] = [];
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if ('const' in schema && value !== schema['const']) return [`${path}: ${JSON.stringify(value)} is not ${JSON.stringify(schema['const'])}`];
  if (schema['enum'] && !(schema['enum'] as unknown[]).includes(value)) return [`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema['enum'])}`];
  if (schema['type'] !== undefined) {
    const types = ([] as string[]).concat(schema['type'] as string | string[]);
    const ok = types.some((t) => t === kind || (t === 'integer' && Number.isInteger(value)) || (t === 'number' && kind === 'number'));
    if (!ok) return [`${path}: ${kind} where the document says ${types.join(' or ')}`];
  }
  if (kind === 'string' && typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'] as string, 'u').test(value as string)) {
    errors.push(`${path}: ${JSON.stringify(value)} does not match ${schema['pattern']}`);
  }
  if (kind === 'array' && schema['items']) (value as unknown[]).forEach((v, i) => errors.push(...validate(v, schema['items'] as Schema, defs, `${path}[${i}]`)));
  if (kind === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
    for (const key of (schema['required'] ?? []) as string[]) if (!(key in object)) errors.push(`${path}: ${key} is missing`);
    for (const [key, v] of Object.entries(object)) {
      if (properties[key]) errors.push(...validate(v, properties[key]!, defs, `${path}.${key}`));
      else if (schema['additionalProperties'] === false) errors.push(`${path}.${key}: not in the document`);
      else if (typeof schema['additionalProperties'] === 'object') errors.push(...validate(v, schema['additionalProperties'] as Schema, defs, `${path}.${key}`));
    }
  }
  return errors;
}

let pki: PkiFiles;
let dir: string;
let defs: Record<string, Schema>;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlsglass-json-'));
  pki = writePkiFiles(dir);
  defs = documentedSchema().$defs;
});
after(() => rmSync(dir, { recursive: true, force: true }));

function conforms(value: unknown, def: string): void {
  const errors = validate(value, { $ref: `#/$defs/${def}` }, defs);
  assert.deepEqual(errors.slice(0, 10), [], `${def} against docs/json.md`);
}

type Message = { id: string; name: string; from: string; fields: Record<string, unknown>; notes: Record<string, string> };
type Trace = {
  servername: string | null;
  messages: Message[];
  applicationData: { client: { records: number; sizes: number[] }; server: { records: number; sizes: number[] }; records?: { from: string; hex: string }[] };
  outcome: { summary: Record<string, unknown> & { version: string } };
};

/** connect against serve, both with --json; returns both documents, every serve line checked. */
async function pair(t: Parameters<typeof runTlsglassConnectCli>[0], serveArgs: string[], connectArgs: string[]): Promise<{ client: Trace; server: Trace }> {
  const server = await startTlsglassServeCli(t, ['--port', '0', '--cert', pki.serverEcdsa.cert, '--key', pki.serverEcdsa.key, '--echo', '--naccept', '1', '--json', ...serveArgs]);
  const run = await runTlsglassConnectCli(t, [`127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', pki.ca, '--json', ...connectArgs], 'ping\n');
  assert.equal(run.code, 0, run.report);
  const client = JSON.parse(run.stdout.toString()) as Trace;
  conforms(client, 'connect');
  assert.equal((await server.exited).code, 0, String(server));
  const lines = server.stdoutText().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 2, 'a listening line, then one line for the connection');
  conforms(lines[0], 'serveListening');
  conforms(lines[1], 'serveConnection');
  return { client, server: lines[1] as unknown as Trace };
}

/** Every message both sides saw has the same id on both sides, and the ids name the same message. */
function sameNumbers(client: Trace, server: Trace): void {
  const ids = (t: Trace): Map<string, string> => new Map(t.messages.map((m) => [m.id, `${m.from} ${m.name}`]));
  const c = ids(client);
  const s = ids(server);
  const shared = [...c.keys()].filter((id) => s.has(id));
  assert.ok(shared.length >= 9, `most messages are in both traces: ${shared.join(' ')}`);
  for (const id of shared) assert.equal(c.get(id), s.get(id), `message ${id}`);
  // Each side saw all of its own messages, numbered 1, 2, 3… per sender.
  for (const t of [client, server]) {
    for (const side of ['C', 'S']) {
      const mine = t.messages.filter((m) => m.id.startsWith(side)).map((m) => Number(m.id.slice(1)));
      assert.deepEqual(mine, mine.map((_, i) => i + 1));
    }
  }
}

describe('--json against docs/json.md', () => {
  test('TLS 1.3, connect against serve: both documents conform, number messages alike, name the servername; data as sizes, contents with --show-data', LIMIT, async (t) => {
    const { client, server } = await pair(t, [], ['--show-data']);
    sameNumbers(client, server);
    assert.equal(client.servername, 'localhost');
    assert.equal(server.servername, 'localhost');
    assert.equal(client.outcome.summary['servername'], 'localhost');
    // No TLS 1.2 field on a TLS 1.3 connection.
    assert.equal(client.outcome.summary.version, 'TLSv1.3');
    for (const summary of [client.outcome.summary, server.outcome.summary]) {
      assert.ok(!('extendedMasterSecret' in summary) && !('cipherSuiteOpenssl' in summary), JSON.stringify(summary));
      assert.equal(summary['helloRetry'], false);
    }
    assert.ok((client.outcome.summary['server'] as { trustAnchor: { subject: string } }).trustAnchor.subject.includes('CN='));
    // Raw values, prose apart.
    const hello = client.messages[0]!;
    assert.deepEqual(hello.fields['supported_versions'], ['TLSv1.3', 'TLSv1.2']);
    assert.equal(hello.fields['server_name'], 'localhost');
    assert.equal(hello.notes['server_name'], 'SNI: which site the client wants');
    const serverHello = server.messages.find((m) => m.name === 'ServerHello')!;
    assert.match(String(serverHello.fields['random']), /^[0-9a-f]{64}$/);
    // The default offer, X25519MLKEM768 beside x25519, each share with its ML-KEM and X25519 parts.
    const mlkemKey = { name: 'ML-KEM-768 encapsulation key', length: 1184, mlKem: true };
    const x25519 = { name: 'X25519 public key', length: 32, mlKem: false };
    const offered = hello.fields['key_share'] as { group: string; length: number; key_exchange: string; parts?: unknown }[];
    assert.deepEqual(offered.map(({ group, length, parts }) => ({ group, length, parts })), [
      { group: 'X25519MLKEM768', length: 1216, parts: [mlkemKey, x25519] },
      { group: 'x25519', length: 32, parts: undefined },
    ]);
    assert.equal(offered[0]!.key_exchange.length, 2 * 1216);
    const { key_exchange: answer, ...chosen } = serverHello.fields['key_share'] as { key_exchange: string };
    assert.deepEqual(chosen, { group: 'X25519MLKEM768', length: 1120, parts: [{ name: 'ML-KEM-768 ciphertext', length: 1088, mlKem: true }, x25519] });
    assert.equal(answer.length, 2 * 1120);
    for (const t of [client, server]) assert.equal(t.outcome.summary['group'], 'X25519MLKEM768');
    assert.equal(serverHello.fields['cipher_suite'], client.outcome.summary['cipherSuite']);
    // "ping\n" and its echo: one record of 5 bytes each way, seen alike by both; contents only with --show-data.
    for (const t of [client, server]) {
      assert.deepEqual(t.applicationData.client.sizes, [5]);
      assert.deepEqual(t.applicationData.server.sizes, [5]);
    }
    assert.deepEqual(client.applicationData.records?.map((r) => `${r.from} ${r.hex}`), ['client 70696e670a', 'server 70696e670a']);
    assert.equal(server.applicationData.records, undefined);
  });

  for (const version of ['--tls1.2', '--tls1.3']) {
    test(`${version.slice(2)}, OCSP stapling (serve --ocsp-response, connect --status): the decoded response conforms`, LIMIT, async (t) => {
      // A whole OCSPResponse of status tryLater (RFC 6960 §4.2.1): SEQUENCE { ENUMERATED 3 }.
      const file = join(dir, 'try-later.der');
      writeFileSync(file, Uint8Array.of(0x30, 0x03, 0x0a, 0x01, 0x03));
      const { client, server } = await pair(t, ['--ocsp-response', file], [version, '--status']);
      for (const trace of [client, server]) {
        const carrier = trace.messages.find((m) => m.fields['ocsp_response'] !== undefined);
        assert.equal(carrier?.name, version === '--tls1.2' ? 'CertificateStatus' : 'Certificate');
        assert.deepEqual(carrier.fields['ocsp_response'], { responseStatus: 'tryLater', der: '30030a0103' });
        assert.equal(trace.messages[0]!.fields['status_request'], 'ocsp');
      }
    });
  }

  test('mutual TLS 1.2: the TLS 1.2 summary fields are there, TLS 1.3 ones are not; the client certificate in full', LIMIT, async (t) => {
    const { client, server } = await pair(t, ['--ca', pki.ca, '--require-cert'], ['--tls1.2', '--cert', pki.clientRsa.cert, '--key', pki.clientRsa.key]);
    sameNumbers(client, server);
    for (const summary of [client.outcome.summary, server.outcome.summary]) {
      assert.equal(summary.version, 'TLSv1.2');
      assert.equal(summary['extendedMasterSecret'], true);
      assert.ok(!('helloRetry' in summary));
    }
    assert.ok((server.outcome.summary['client'] as { trustAnchor: unknown }).trustAnchor, 'the server names the anchor it verified the client with');
    const certificate = server.messages.find((m) => m.from === 'client' && m.name === 'Certificate')!;
    const der = readFileSync(pki.clientRsa.cert, 'utf8').replace(/-----[^-]+-----|\s/g, '');
    assert.equal((certificate.fields['certificate_list'] as string[])[0], Buffer.from(der, 'base64').toString('hex'));
  });

  test('demo --json conforms', LIMIT, async (t) => {
    const run = await runPeer(t, process.execPath, [TLSGLASS_CLI, 'demo', '--json', '--only', 'one-way-ecdhe,tls13-hello-retry,tls13-resumption,tls13-post-quantum,missing-client-certificate']);
    assert.equal(run.code, 0, run.report);
    conforms(JSON.parse(run.stdout.toString()), 'demo');
  });
});
