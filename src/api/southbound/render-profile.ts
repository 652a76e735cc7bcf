/**
 * Renders an iPXE profile with EJS, the syntax RackHD's templates use (`<%= %>` escaped, `<%- %>` raw).
 * A template that fails to render is an error naming the profile, not a half-written script.
 */
import ejs from 'ejs';
import { MonorailError } from '../../errors.ts';

export interface ProfileContext {
  readonly nodeId: string;
  readonly macaddress: string;
  readonly macaddresses: readonly string[];
  readonly ipaddress?: string;
  /** Where the microkernel sends its log (`host:port`), when Monorail receives syslog. */
  readonly syslog?: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly api: { readonly server: string; readonly base: string; readonly profiles: string; readonly templates: string };
}

export function renderProfile(name: string, template: string, context: ProfileContext): string {
  try {
    return ejs.render(template, { syslog: undefined, ...context }, { async: false, strict: false });
  } catch (e) {
    throw new MonorailError('TEMPLATE_FAILED', `profile ${name} could not be rendered: ${e instanceof Error ? (e.message.split('\n').at(-1) ?? e.message) : String(e)}`, {
      profile: name,
    });
  }
}
