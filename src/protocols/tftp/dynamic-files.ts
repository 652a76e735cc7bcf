/**
 * Files whose content is produced per request rather than read from disk: a per-node iPXE script
 * (`<mac>.ipxe`), a generated config. The server asks the provider first, with a name that has already
 * passed the path policy; `undefined` means "not one of mine" and the served directories are tried.
 */

export interface DynamicFileRequest {
  /** The requested name, relative and normalised (`path-policy.ts`). */
  readonly name: string;
  readonly clientAddress: string;
  readonly clientPort: number;
  /** The server address the request arrived on. */
  readonly localAddress: string;
  /**
   * The node last seen at the client's address. Lazy: resolving it is an actor round trip, so a
   * provider that does not need it costs the transfer nothing.
   */
  nodeId(): Promise<string | undefined>;
}

export interface DynamicFileProvider {
  provide(request: DynamicFileRequest): Promise<Buffer | string | undefined>;
}

/** The default: nothing is dynamic, every name is looked up on disk. */
export const noDynamicFiles: DynamicFileProvider = {
  provide: async () => undefined,
};
