#!/usr/bin/env node
/**
 * tlsglass command line: parses the command word and hands the rest of argv to the command's own
 * file (demo.ts, connect.ts, serve.ts, certs.ts, verify.ts, relay.ts, scan.ts). Each command returns its exit code
 * (options.ts: EXIT); an exception that escapes one is a bug, reported as exit 70, with its stack
 * trace only under --debug.
 */
import { readFileSync } from 'node:fs';
import '../node/install-defaults.js';
import { ConfigError } from '../errors.js';
import { connectCommand } from './connect.js';
import { EXIT, EXIT_HELP } from './options.js';
import { serveCommand } from './serve.js';

const USAGE = `Usage: tlsglass <command> [options]

tlsglass is a TLS 1.2 and 1.3 client and server that shows every handshake message.

Commands:
  demo                      Run TLS 1.2 and 1.3 handshakes on 127.0.0.1 and explain every message
                              e.g. tlsglass demo          (or: npm start)
                              e.g. tlsglass demo --html demo.html --only tls13
  connect HOST[:PORT]       TLS client: stdin to the server, the server's bytes to stdout (like openssl s_client)
                              e.g. tlsglass connect example.com --trace </dev/null     (port 443)
  serve                     TLS server (like openssl s_server; answers HTTP GET with a status page)
                              e.g. tlsglass serve --cert pki/server.pem --key pki/server.key --port 4433 --trace
  certs                     Make a test PKI (CA, server and client certificates) and print the commands using it
                              e.g. tlsglass certs --out pki
  scan HOST[:PORT]          Which versions, suites and groups a server accepts, its certificate, and what is wrong
                              e.g. tlsglass scan example.com --quick
  verify LEAF.pem           Check a certificate chain with the handshake's verifier (like openssl verify)
                              e.g. tlsglass verify --ca pki/ca.pem --host localhost pki/server.pem
  relay                     WebSocket-to-TCP relay to allowed servers, and the browser page that runs TLS through it
                              e.g. tlsglass relay --listen 8080 --allow 127.0.0.1:4433   (then open http://127.0.0.1:8080/)
  help [command]            Show this help, or a command's options
                              e.g. tlsglass help connect
  --version                 Print the version (also: version, -V)

Run 'tlsglass <command> --help' for a command's options, each with an example.
Common to connect and serve: --trace (annotated ladder on stderr), --json, --html FILE, --keylog FILE,
--debug (stack traces).

${EXIT_HELP}
`;

type Command = (argv: string[]) => Promise<number>;

/** The version in our package.json (dist/src/cli/main.js → package.json, in a clone and when installed). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Commands written in other files that may not exist yet are loaded lazily, by name. */
async function lazyCommand(file: string, exportName: string): Promise<Command | undefined> {
  const specifier = `./${file}`;
  try {
    const mod = (await import(specifier)) as Record<string, unknown>;
    const fn = mod[exportName];
    return typeof fn === 'function' ? (fn as Command) : undefined;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

const COMMANDS = ['demo', 'connect', 'serve', 'certs', 'verify', 'relay', 'scan'];

async function run(command: string, rest: string[]): Promise<number> {
  switch (command) {
    case 'connect':
      return connectCommand(rest);
    case 'serve':
      return serveCommand(rest);
    default: {
      const fn = await lazyCommand(`${command}.js`, `${command}Command`);
      if (!fn) {
        process.stderr.write(`tlsglass: the '${command}' command is not available in this build yet\n`);
        return EXIT.usage;
      }
      return fn(rest);
    }
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      if (rest[0] !== undefined && COMMANDS.includes(rest[0])) return run(rest[0], ['--help']);
      if (rest[0] !== undefined) {
        process.stderr.write(`tlsglass: unknown command '${rest[0]}'\n\n${USAGE}`);
        return EXIT.usage;
      }
      process.stdout.write(USAGE);
      return EXIT.ok;
    case '--version':
    case '-V':
    case 'version':
      process.stdout.write(`tlsglass ${packageVersion()}\n`);
      return EXIT.ok;
    default:
      if (COMMANDS.includes(command)) return run(command, rest);
      process.stderr.write(`tlsglass: unknown command '${command}'${command.startsWith('-') ? ' (options go after the command)' : ''}\n\n${USAGE}`);
      return EXIT.usage;
  }
}

const argv = process.argv.slice(2);
main(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // An option refused at start is a usage error wherever it escapes from (serve and connect
    // catch it themselves and name the flag); only other exceptions are bugs.
    if (err instanceof ConfigError) {
      process.stderr.write(`tlsglass: ${err.message}\n`);
      process.exitCode = EXIT.usage;
      return;
    }
    const debug = argv.includes('--debug');
    const text = err instanceof Error ? (debug ? (err.stack ?? err.message) : err.message) : String(err);
    process.stderr.write(`tlsglass: internal error: ${text}\n${debug ? '' : 'Run again with --debug for the stack trace.\n'}`);
    process.exitCode = EXIT.internal;
  },
);
