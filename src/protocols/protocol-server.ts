/**
 * Every protocol server has one shape (smee's listener → decode → handler → reply), and the member starts
 * and stops them all the same way. `start` resolves once the sockets are bound (and rejects, naming the
 * address, when they cannot be); `stop` closes them and waits for in-flight work to end.
 */
export interface ProtocolServer {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Counters for logs and metrics: received, answered, dropped and malformed at least. */
  stats(): Readonly<Record<string, number>>;
  /** The addresses actually bound (port 0 resolves to the port the OS chose). */
  addresses(): readonly { readonly protocol: 'udp' | 'tcp'; readonly address: string; readonly port: number }[];
}
