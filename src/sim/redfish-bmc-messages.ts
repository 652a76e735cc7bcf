/**
 * The Base message registry entries (DMTF DSP8011 Base 1.22.1) the simulated BMC answers with, and the
 * error body DSP0266 §8.6 prescribes: one `error` object with `code`, `message` and an
 * `@Message.ExtendedInfo` array of Message objects. Texts are the registry's, `%n` filled in from the
 * arguments (a test checks them against the registry file).
 */

export const BASE_REGISTRY = 'Base.1.22';

interface Entry {
  readonly message: string;
  readonly severity: 'OK' | 'Warning' | 'Critical';
  readonly resolution: string;
}

export const baseMessages = {
  Success: { message: 'The request completed successfully.', severity: 'OK', resolution: 'None.' },
  Created: { message: 'The resource was created successfully.', severity: 'OK', resolution: 'None.' },
  GeneralError: {
    message: 'A general error has occurred.  See Resolution for information on how to resolve the error, or @Message.ExtendedInfo if Resolution is not provided.',
    severity: 'Critical',
    resolution: 'None.',
  },
  MalformedJSON: {
    message: 'The request body submitted was malformed JSON and could not be parsed by the receiving service.',
    severity: 'Critical',
    resolution: 'Ensure that the request body is valid JSON and resubmit the request.',
  },
  ActionParameterMissing: {
    message: 'The action %1 requires the parameter %2 to be present in the request body.',
    severity: 'Critical',
    resolution: 'Supply the action with the required parameter in the request body when the request is resubmitted.',
  },
  ActionParameterValueNotInList: {
    message: "The value '%1' for the parameter %2 in the action %3 is not in the list of acceptable values.",
    severity: 'Warning',
    resolution: 'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.',
  },
  ActionParameterValueTypeError: {
    message: "The value '%1' for the parameter %2 in the action %3 is not a type that the parameter can accept.",
    severity: 'Warning',
    resolution: 'Correct the value for the parameter in the request body and resubmit the request if the operation failed.',
  },
  ActionParameterUnknown: {
    message: 'The action %1 was submitted with the invalid parameter %2.',
    severity: 'Warning',
    resolution: 'Correct the invalid action parameter and resubmit the request if the operation failed.',
  },
  ActionNotSupported: {
    message: 'The action %1 is not supported by the resource.',
    severity: 'Critical',
    resolution: 'Check the Actions property in the resource for the supported actions.',
  },
  PropertyUnknown: {
    message: 'The property %1 is not in the list of valid properties for the resource.',
    severity: 'Warning',
    resolution: 'Remove the unknown property from the request body and resubmit the request if the operation failed.',
  },
  PropertyNotWritable: {
    message: 'The property %1 is a read-only property and cannot be assigned a value.',
    severity: 'Warning',
    resolution: 'Remove the property from the request body and resubmit the request if the operation failed.',
  },
  PropertyValueNotInList: {
    message: "The value '%1' for the property %2 is not in the list of acceptable values.",
    severity: 'Warning',
    resolution: 'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.',
  },
  PropertyValueTypeError: {
    message: "The value '%1' for the property %2 is not a type that the property can accept.",
    severity: 'Warning',
    resolution: 'Correct the value for the property in the request body and resubmit the request if the operation failed.',
  },
  NoOperation: {
    message: 'The request body submitted contain no data to act upon and no changes to the resource took place.',
    severity: 'Warning',
    resolution: 'Add properties in the JSON object and resubmit the request.',
  },
  CreateFailedMissingReqProperties: {
    message: 'The create operation failed because the required property %1 was missing from the request.',
    severity: 'Critical',
    resolution: 'Correct the body to include the required property with a valid value and resubmit the request if the operation failed.',
  },
  ResourceMissingAtURI: {
    message: "The resource at the URI '%1' was not found.",
    severity: 'Critical',
    resolution: 'Place a valid resource at the URI or correct the URI and resubmit the request.',
  },
  OperationNotAllowed: { message: 'The HTTP method is not allowed on this resource.', severity: 'Critical', resolution: 'None.' },
  NoValidSession: {
    message: 'There is no valid session established with the implementation.',
    severity: 'Critical',
    resolution: 'Establish a session before attempting any operations.',
  },
  SessionLimitExceeded: {
    message: 'The session establishment failed due to the number of simultaneous sessions exceeding the limit of the implementation.',
    severity: 'Critical',
    resolution: 'Reduce the number of other sessions before trying to establish the session or increase the limit of simultaneous sessions, if supported.',
  },
  PreconditionFailed: {
    message: 'The ETag supplied did not match the ETag required to change this resource.',
    severity: 'Critical',
    resolution: 'Try the operation again using the appropriate ETag.',
  },
} as const satisfies Record<string, Entry>;

export type BaseMessageKey = keyof typeof baseMessages;

export interface RedfishMessage {
  readonly MessageId: string;
  readonly Message: string;
  readonly MessageArgs: readonly string[];
  readonly MessageSeverity: string;
  readonly Resolution: string;
  readonly RelatedProperties?: readonly string[];
}

export function baseMessage(key: BaseMessageKey, args: readonly string[] = [], relatedProperties?: readonly string[]): RedfishMessage {
  const entry: Entry = baseMessages[key];
  const message = entry.message.replace(/%(\d+)/g, (_, n: string) => args[Number(n) - 1] ?? '');
  return {
    MessageId: `${BASE_REGISTRY}.${key}`,
    Message: message,
    MessageArgs: args,
    MessageSeverity: entry.severity,
    Resolution: entry.resolution,
    ...(relatedProperties === undefined ? {} : { RelatedProperties: relatedProperties }),
  };
}

/** The DSP0266 §8.6 error body. A single message becomes the top-level code; several get GeneralError. */
export function errorBody(messages: readonly RedfishMessage[]): { error: { code: string; message: string; '@Message.ExtendedInfo': readonly RedfishMessage[] } } {
  const [only] = messages;
  const single = messages.length === 1 && only !== undefined;
  return {
    error: {
      code: single ? only.MessageId : `${BASE_REGISTRY}.GeneralError`,
      message: single ? only.Message : messages.map((m) => m.Message).join(' '),
      '@Message.ExtendedInfo': messages,
    },
  };
}
