/** Thrown by a handler to say "try again later"; delayMs overrides the backoff table. */
export class RetryLater extends Error {
  constructor(
    message: string,
    readonly delayMs?: number,
  ) {
    super(message);
    this.name = 'RetryLater';
  }
}

/** Thrown by a handler to say "retrying cannot help": the job fails at once. */
export class PermanentFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentFailure';
  }
}
