/** Ends a switch over a union, so a new member breaks the build where it must be handled. */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(x)}`);
}
