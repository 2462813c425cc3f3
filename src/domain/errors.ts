// Errors the domain raises, carrying AWS's error code name and message. The protocols map them to
// the wire in one place each (protocols/aws-query/errors.ts for the Query protocol).

export class IamError extends Error {
  constructor(
    /** AWS's error code, e.g. "NoSuchEntity", "EntityAlreadyExists", "MalformedPolicyDocument". */
    readonly code: string,
    message: string,
    /** Members the error shape adds beside the message (Organizations' Reason), as the model names them. */
    readonly members?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'IamError';
  }
}
