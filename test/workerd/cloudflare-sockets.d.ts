/** The part of workerd's `cloudflare:sockets` test/workerd/worker.ts uses (https://developers.cloudflare.com/workers/runtime-apis/tcp-sockets/). */
declare module 'cloudflare:sockets' {
  interface Socket {
    readonly readable: ReadableStream<Uint8Array>;
    readonly writable: WritableStream<Uint8Array>;
    close(): Promise<void>;
  }
  export function connect(address: { hostname: string; port: number }): Socket;
}
