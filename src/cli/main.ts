#!/usr/bin/env node
/**
 * tlsglass command line: parses the command word and hands the rest of argv to the command's own
 * file (demo.ts, connect.ts, serve.ts, certs.ts). Each command returns its exit code.
 */
import { connectCommand } from './connect.js';
import { serveCommand } from './serve.js';

const USAGE = `Usage: tlsglass <command> [options]

Commands:
  demo                      Run a handshake in memory and show every message
  connect HOST:PORT         TLS client: stdin to the server, the server's bytes to stdout (like openssl s_client)
  serve                     TLS server (like openssl s_server; answers HTTP GET with a status page)
  certs                     Make a test PKI (CA, server and client certificates)
  verify                    Check a certificate chain with the handshake's verifier (like openssl verify)
  help [command]            Show this help, or a command's options

Run 'tlsglass <command> --help' for a command's options.
`;

type Command = (argv: string[]) => Promise<number>;

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

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'connect':
      return connectCommand(rest);
    case 'serve':
      return serveCommand(rest);
    case 'verify':
    case 'demo':
    case 'certs': {
      const fn = await lazyCommand(`${command}.js`, `${command}Command`);
      if (!fn) {
        process.stderr.write(`tlsglass: the '${command}' command is not available in this build yet\n`);
        return 2;
      }
      return fn(rest);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      if (rest[0] === 'connect') return connectCommand(['--help']);
      if (rest[0] === 'serve') return serveCommand(['--help']);
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`tlsglass: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tlsglass: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 70;
  },
);
