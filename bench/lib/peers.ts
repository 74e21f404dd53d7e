/**
 * The pure-JS peers, wrapped to look like the sockets the benchmark loops drive:
 *  - node-forge: TLS 1.0/1.1 with TLS_RSA_WITH_AES_{128,256}_CBC_SHA only, client and server;
 *    it cannot verify EC certificates, so its cases use the RSA-only chain (Pki.rsaCa).
 *  - @reclaimprotocol/tls: a client only (WebCrypto), TLS 1.2/1.3.
 * Both are devDependencies of the benchmark and nothing else.
 */
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import type { ClientSocket, Impl, Pki, TlsSpec } from './spec.js';
import type { PeerFactory } from '../worker.js';

const require = createRequire(import.meta.url);

/* eslint-disable @typescript-eslint/no-explicit-any -- node-forge ships no types and reclaim's do not resolve under NodeNext */
type Any = any;

/** A TLS connection of a pure-JS library over a net.Socket, with the events the loops use. */
class PeerSocket extends EventEmitter implements ClientSocket {
  closed = false;
  constructor(
    readonly sock: net.Socket,
    private readonly writeTls: (data: Uint8Array) => void,
    private readonly closeTls: () => void,
    private readonly canWrite: () => boolean = () => !sock.writableNeedDrain,
  ) {
    super();
    sock.on('drain', () => this.emit('drain'));
    sock.on('error', (err) => this.emit('error', err));
    sock.on('close', () => {
      this.closed = true;
      this.emit('close');
    });
    sock.on('end', () => {
      this.emit('end');
      sock.end();
    });
  }
  write(data: Uint8Array, cb?: () => void): boolean {
    this.writeTls(data);
    cb?.();
    return this.canWrite();
  }
  end(): void {
    this.closeTls();
    this.sock.end();
  }
  destroy(): void {
    this.sock.destroy();
  }
  resume(): void {}
  isSessionReused(): boolean {
    return false;
  }
}

// ---- node-forge ---------------------------------------------------------------------------

let forgeLib: Any;
function forge(): Any {
  forgeLib ??= require('node-forge');
  return forgeLib;
}

function forgeSuite(spec: TlsSpec): Any {
  const s = forge().tls.CipherSuites;
  return spec.cipher === 'AES256-SHA' ? s.TLS_RSA_WITH_AES_256_CBC_SHA : s.TLS_RSA_WITH_AES_128_CBC_SHA;
}

function wrapForge(sock: net.Socket, options: Any, onConnected: (p: PeerSocket) => void): PeerSocket {
  let conn: Any;
  const peer = new PeerSocket(
    sock,
    (data) => conn.prepare(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('binary')),
    () => conn.close(),
  );
  conn = forge().tls.createConnection({
    ...options,
    connected: () => onConnected(peer),
    tlsDataReady: (c: Any) => {
      sock.write(Buffer.from(c.tlsData.getBytes(), 'binary'));
    },
    dataReady: (c: Any) => {
      peer.emit('data', Buffer.from(c.data.getBytes(), 'binary'));
    },
    closed: () => {
      if (!sock.writableEnded) sock.end();
    },
    error: (_c: Any, err: Any) => {
      peer.emit('error', new Error(`forge: ${err?.message ?? String(err)}`));
      sock.destroy();
    },
  });
  sock.on('data', (d: Buffer) => conn.process(d.toString('binary')));
  return Object.assign(peer, { conn });
}

/** A forge TLS server (it negotiates TLS 1.0 with a forge client, TLS 1.1 with others). */
export function peerServer(impl: Impl, spec: TlsSpec, pki: Pki, onSecure: (s: ClientSocket) => void): net.Server {
  if (impl !== 'forge') throw new Error(`${impl} has no server`);
  return net.createServer({ noDelay: true }, (sock) => {
    sock.on('error', () => {});
    wrapForge(
      sock,
      {
        server: true,
        cipherSuites: [forgeSuite(spec)],
        verifyClient: false,
        sessionCache: {},
        getCertificate: () => pki.rsaChain.cert,
        getPrivateKey: () => pki.rsaChain.key,
      },
      onSecure,
    );
  });
}

export function peerClient(impl: Impl, spec: TlsSpec, pki: Pki): PeerFactory {
  if (impl === 'forge') {
    const caStore = forge().pki.createCaStore([pki.rsaCa]);
    return {
      impl,
      spec,
      connect(port: number): ClientSocket {
        const sock = net.connect({ port, host: '127.0.0.1', noDelay: true });
        let peer: PeerSocket | undefined;
        peer = wrapForge(
          sock,
          {
            server: false,
            caStore,
            cipherSuites: [forgeSuite(spec)],
            virtualHost: 'localhost',
            verify: (_c: Any, verified: Any) => verified,
          },
          (p) => p.emit('secureConnect'),
        );
        sock.on('connect', () => (peer as unknown as { conn: Any }).conn.handshake());
        return peer;
      },
    };
  }
  if (impl === 'reclaim') return reclaimFactory(spec, pki);
  throw new Error(`no peer client ${impl}`);
}

// ---- @reclaimprotocol/tls -------------------------------------------------------------------

let reclaimLib: Any;

/** Loads reclaim (ESM, top-level) with WebCrypto, its fastest backend on Node. */
export async function loadReclaim(): Promise<void> {
  if (reclaimLib) return;
  const name = '@reclaimprotocol/tls';
  const lib = await import(name);
  const wc = await import(`${name}/webcrypto`);
  lib.setCryptoImplementation(wc.webcryptoCrypto);
  reclaimLib = lib;
}

const RECLAIM_SUITES: Record<string, string> = {
  'ECDHE-RSA-AES128-GCM-SHA256': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256': 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
};

function reclaimFactory(spec: TlsSpec, pki: Pki): PeerFactory {
  if (!reclaimLib) throw new Error('loadReclaim() first');
  const lib = reclaimLib;
  const rootCAs = [lib.loadX509FromPem(pki.ca)];
  const quiet = { info() {}, debug() {}, trace() {}, warn() {}, error() {} };
  return {
    impl: 'reclaim',
    spec,
    connect(port: number): ClientSocket {
      const sock = net.connect({ port, host: '127.0.0.1', noDelay: true });
      let tls: Any;
      // reclaim's write() is async and not reentrant (its record counter races): one at a time,
      // with backpressure once 256 KiB are queued.
      let queue: Promise<void> = Promise.resolve();
      let queued = 0;
      const peer: PeerSocket = new PeerSocket(
        sock,
        (data) => {
          const copy = Uint8Array.from(data);
          queued += copy.length;
          queue = queue
            .then(async () => {
              await tls.write(copy);
            })
            .then(
              () => {
                queued -= copy.length;
                if (queued === 0) peer.emit('drain');
              },
              (err: Error) => {
                peer.emit('error', err);
              },
            );
        },
        () => void queue.then(() => tls.end()).catch(() => {}),
        () => queued < 256 * 1024,
      );
      tls = lib.makeTLSClient({
        host: 'localhost',
        verifyServerCertificate: true,
        rootCAs,
        logger: quiet,
        cipherSuites: [RECLAIM_SUITES[spec.cipher] ?? spec.cipher],
        namedCurves: ['X25519'],
        supportedProtocolVersions: [spec.version === 'TLSv1.3' ? 'TLS1_3' : 'TLS1_2'],
        write({ header, content }: { header: Uint8Array; content: Uint8Array }) {
          sock.write(header);
          sock.write(content);
        },
        onHandshake() {
          peer.emit('secureConnect');
        },
        onApplicationData(plaintext: Uint8Array) {
          peer.emit('data', Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength));
        },
        onTlsEnd(err?: Error) {
          if (err) peer.emit('error', err);
        },
      });
      sock.on('data', (d: Buffer) => void tls.handleReceivedBytes(d).catch((err: Error) => peer.emit('error', err)));
      sock.on('connect', () => void tls.startHandshake().catch((err: Error) => peer.emit('error', err)));
      return peer;
    },
  };
}
