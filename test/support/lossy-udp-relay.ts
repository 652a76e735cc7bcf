/**
 * A UDP relay that loses datagrams, for TFTP under packet loss. Clients send their request to the
 * relay's port; the relay forwards it to the server from a socket of its own (one per client). Each
 * port the server answers from (a transfer ID) gets its own client-facing socket on the relay, so the
 * client sees a new transfer ID exactly as it would from the server, and every datagram in either
 * direction is dropped with probability `lossRate`. The random source is seeded so a failing run can
 * be repeated.
 */
import dgram from 'node:dgram';

export interface LossyRelay {
  readonly port: number;
  readonly forwarded: { toServer: number; toClient: number };
  readonly dropped: { toServer: number; toClient: number };
  close(): Promise<void>;
}

import { seededRandom } from './seeded-random.ts';

export { seededRandom };

function bind(socket: dgram.Socket, host: string): Promise<void> {
  return new Promise((resolve) => socket.bind(0, host, () => resolve()));
}

export async function startLossyRelay(o: {
  serverHost: string;
  serverPort: number;
  lossRate: number;
  seed: number;
  host?: string;
  /**
   * Also lose the n-th datagram of each direction, whatever the dice say, so a short transfer is sure
   * to meet loss: at 2 % a 190-datagram transfer otherwise crosses without a single drop 2 % of the time.
   */
  alwaysDropNth?: number;
}): Promise<LossyRelay> {
  const host = o.host ?? '127.0.0.1';
  const random = seededRandom(o.seed);
  const sockets = new Set<dgram.Socket>();
  const forwarded = { toServer: 0, toClient: 0 };
  const dropped = { toServer: 0, toClient: 0 };
  const seen = { toServer: 0, toClient: 0 };
  const lose = (direction: 'toServer' | 'toClient'): boolean => ++seen[direction] === o.alwaysDropNth || random() < o.lossRate;

  const front = dgram.createSocket('udp4');
  sockets.add(front);
  /** Per client address:port: the socket that talks to the server for it, and its sockets facing the client per server port. */
  const clients = new Map<string, Promise<dgram.Socket>>();

  const upstreamFor = (address: string, port: number): Promise<dgram.Socket> => {
    const key = `${address}:${port}`;
    const existing = clients.get(key);
    if (existing) return existing;
    const upstream = dgram.createSocket('udp4');
    sockets.add(upstream);
    const facing = new Map<number, Promise<dgram.Socket>>();
    upstream.on('message', (msg, rinfo) => {
      if (lose('toClient')) {
        dropped.toClient++;
        return;
      }
      let f = facing.get(rinfo.port);
      if (!f) {
        const s = dgram.createSocket('udp4');
        sockets.add(s);
        s.on('message', (back) => {
          if (lose('toServer')) {
            dropped.toServer++;
            return;
          }
          forwarded.toServer++;
          upstream.send(back, rinfo.port, o.serverHost);
        });
        f = bind(s, host).then(() => s);
        facing.set(rinfo.port, f);
      }
      void f.then((s) => {
        forwarded.toClient++;
        s.send(msg, port, address);
      });
    });
    const ready = bind(upstream, host).then(() => upstream);
    clients.set(key, ready);
    return ready;
  };

  front.on('message', (msg, rinfo) => {
    if (lose('toServer')) {
      dropped.toServer++;
      return;
    }
    void upstreamFor(rinfo.address, rinfo.port).then((upstream) => {
      forwarded.toServer++;
      upstream.send(msg, o.serverPort, o.serverHost);
    });
  });
  await bind(front, host);

  return {
    port: front.address().port,
    forwarded,
    dropped,
    async close() {
      for (const s of sockets) {
        try {
          s.close();
        } catch {
          // not bound yet or already closed
        }
      }
    },
  };
}
