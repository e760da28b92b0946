/**
 * A mistake in what the user asked for (flags, dates, symbols, settings).
 * The CLI prints its message on one line and exits with code 2, without a stack trace.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
