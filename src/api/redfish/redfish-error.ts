/**
 * Redfish's error response (DSP0266 §8.6): one `error` object with `code` (a MessageId), `message`, and an
 * `@Message.ExtendedInfo` array of Base registry messages. A `RedfishError` is a MonorailError, so code that
 * only knows MonorailErrors still sees a status; the Redfish error handler (redfish-http.ts) writes it in
 * Redfish form, and turns every other error that reaches a Redfish URI into the same form.
 */
import { MonorailError, type ErrorCode } from '../../errors.ts';
import { baseMessage, registryOf, type RedfishMessage } from './message-registries.ts';

const codeOfStatus = (status: number): ErrorCode => {
  switch (status) {
    case 400:
      return 'VALIDATION_FAILED';
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 503:
      return 'ENTITY_UNAVAILABLE';
    default:
      return status >= 500 ? 'ENTITY_HANDLER_FAILED' : 'VALIDATION_FAILED';
  }
};

export class RedfishError extends MonorailError {
  constructor(
    readonly status: number,
    readonly messages: readonly RedfishMessage[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(codeOfStatus(status), messages.map((m) => m.Message).join(' '), { messageIds: messages.map((m) => m.MessageId) });
  }

  /** Redfish needs statuses the shared catalogue has no code for (405, 406, 412, 501). */
  override get httpStatus(): number {
    return this.status;
  }
}

/** One Base message as an error: `fail(404, 'ResourceMissingAtURI', [uri])`. */
export function fail(status: number, key: string, args: readonly string[] = [], relatedProperties?: readonly string[], headers?: Readonly<Record<string, string>>): RedfishError {
  return new RedfishError(status, [baseMessage(key, args, relatedProperties)], headers);
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly '@Message.ExtendedInfo': readonly RedfishMessage[] };
}

/** One message is the error itself; several are summed up by GeneralError (what DSP0266 §8.6's example does). */
export function errorBody(messages: readonly RedfishMessage[]): ErrorBody {
  const [only] = messages;
  if (messages.length === 1 && only !== undefined) return { error: { code: only.MessageId, message: only.Message, '@Message.ExtendedInfo': messages } };
  const general = baseMessage('GeneralError');
  return { error: { code: `${registryOf('Base')}.GeneralError`, message: general.Message, '@Message.ExtendedInfo': messages } };
}
