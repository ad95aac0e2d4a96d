// The error a user can fix: thrown anywhere, shown at every door as one line (exit 2 in the CLI).

/** Thrown for input a user can fix; `message` is one line naming the field and what is allowed. */
export class InputError extends Error {
  override name = 'InputError';
}
