/**
 * A syslog socket that could not be bound. `start()` rejects with this instead of hanging (the defect of
 * `syslog-server` 1.0.1, decision 0006), naming the transport, the configured host:port and the reason.
 */

const REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)',
  EADDRNOTAVAIL: 'address not available on this host',
  EAFNOSUPPORT: 'address family not supported',
};

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export class ListenError extends Error {
  readonly code: string;

  constructor(
    readonly transport: 'udp' | 'tcp',
    readonly host: string,
    readonly port: number,
    cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN';
    const reason = REASONS[code] ?? (cause instanceof Error ? cause.message : String(cause));
    super(`syslog cannot listen on ${transport} ${formatHostPort(host, port)}: ${reason} (${code})`, { cause });
    this.name = 'ListenError';
    this.code = code;
  }
}
