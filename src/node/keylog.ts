/**
 * NSS key log output (https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/).
 * The core reports each line as a 'keylog' event; this file appends them to a file, either the one
 * named by `SSLKEYLOGFILE` (read once, at first use) or one given explicitly (the CLI's --keylog).
 * Writes are synchronous appends so that no line is lost when the process exits right after a
 * handshake; the cost is paid only when logging is switched on.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** Appends NSS key log lines (without trailing newline) to a file. */
export type KeylogSink = (line: string) => void;

const sinks = new Map<string, KeylogSink>();

/** A sink that appends to `path`, opened lazily in append mode and shared by every socket. */
export function keylogFileSink(path: string): KeylogSink {
  let sink = sinks.get(path);
  if (sink === undefined) {
    let fd: number | undefined;
    sink = (line) => {
      fd ??= openSync(path, 'a', 0o600);
      writeSync(fd, line + '\n');
    };
    sinks.set(path, sink);
    process.once('exit', () => {
      if (fd !== undefined) closeSync(fd);
    });
  }
  return sink;
}

let envSink: KeylogSink | null | undefined;

/** The sink for `SSLKEYLOGFILE`, or null when the variable is unset or empty. */
export function envKeylogSink(): KeylogSink | null {
  if (envSink === undefined) {
    const path = process.env['SSLKEYLOGFILE'];
    envSink = path ? keylogFileSink(path) : null;
  }
  return envSink;
}
