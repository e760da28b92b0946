// A scripted processor peer on 127.0.0.1:0 that speaks the protocol, for testing the engine's
// link behaviour (batching, window, resume) in isolation. The real processor is tested in
// the end-to-end tests.
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

export interface PeerConnection {
  socket: WebSocket;
  hello: Record<string, unknown>;
  batches: { seq: number; msgs: unknown[] }[];
}

export class ProtocolPeer {
  readonly connections: PeerConnection[] = [];
  private waiters: (() => void)[] = [];
  private constructor(private readonly server: WebSocketServer) {
    server.on('connection', (socket) => {
      let connection: PeerConnection | undefined;
      socket.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as Record<string, unknown>;
        if (frame.type === 'hello') {
          connection = { socket, hello: frame, batches: [] };
          this.connections.push(connection);
          socket.send(JSON.stringify({ type: 'welcome', v: 1, stream_id: frame.stream_id, server: 'peer' }));
        } else if (frame.type === 'batch' && connection) {
          connection.batches.push(frame as unknown as PeerConnection['batches'][number]);
        }
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
  }

  static async start(): Promise<ProtocolPeer> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    return new ProtocolPeer(server);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Waits until `condition` holds, re-checking whenever a frame arrives. */
  async until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  received(connection: PeerConnection): number[] {
    return connection.batches.flatMap((batch) => batch.msgs.map((_, i) => batch.seq + i));
  }

  close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
