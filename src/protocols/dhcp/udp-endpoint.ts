/**
 * One bound UDP socket of the DHCP server. It is bound to an address, usually 0.0.0.0, because a
 * socket bound to a unicast address never receives the broadcasts DHCP clients send; broadcasting
 * replies needs SO_BROADCAST. A socket error after binding is logged, never thrown, so one bad send
 * cannot take the process down.
 */
import dgram from 'node:dgram';
import type { Logger } from '../../logging/logger.ts';
import type { Destination } from './reply-destination.ts';

export interface UdpEndpoint {
  readonly address: string;
  readonly port: number;
  send(packet: Buffer, to: Destination): Promise<void>;
  close(): Promise<void>;
}

export type DatagramHandler = (packet: Buffer, source: Destination) => void;

export function bindUdp(host: string, port: number, name: string, log: Logger, onDatagram: DatagramHandler): Promise<UdpEndpoint> {
  // A PXE storm (a rack powered on at once) arrives faster than one event-loop turn drains it; the kernel's
  // default ~208 KB receive buffer dropped ~1,500 datagrams of 1,000 machines in the virtual rack.
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  let open = false;
  return new Promise<UdpEndpoint>((resolve, reject) => {
    const onBindError = (e: Error): void => {
      socket.close();
      reject(new Error(`DHCP ${name} socket cannot bind ${host}:${port}: ${e.message}`, { cause: e }));
    };
    socket.once('error', onBindError);
    socket.on('message', (msg, rinfo) => onDatagram(msg, { address: rinfo.address, port: rinfo.port }));
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', onBindError);
      socket.on('error', (e) => log.error({ err: e, socket: name }, 'DHCP socket error'));
      socket.setBroadcast(true);
      open = true;
      const bound = socket.address();
      resolve({
        address: bound.address,
        port: bound.port,
        send: (packet, to) =>
          new Promise<void>((done, fail) => {
            if (!open) {
              fail(new Error('socket closed'));
              return;
            }
            socket.send(packet, to.port, to.address, (e) => (e ? fail(e) : done()));
          }),
        close: () =>
          new Promise<void>((done) => {
            if (!open) {
              done();
              return;
            }
            open = false;
            socket.close(() => done());
          }),
      });
    });
  });
}
