// Text from users (experiment names, run labels, notes, cluster.json's name, a CSV's cells) as it may
// reach a terminal or a log: control characters (ESC, BEL, a newline inside a name), DEL, C1 controls
// and the invisible bidi and format characters (U+202E reverses what follows) become visible escapes,
// so that no name can move the cursor, recolour the terminal, forge a line or reorder the text around
// it. Escapes are \uXXXX, which JSON reads back as the same character, so one function serves text and
// JSON output alike.

/** C0 controls, DEL, C1 controls, and the bidi/zero-width/format characters a terminal shows as nothing. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;
/** As UNSAFE, but a newline stays: for whole outputs of several lines. */
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;

const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** User text for one line: every control, bidi and format character escaped (\u001b, \u202e). */
export function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** A whole output of several lines: as printable, but its newlines stay. */
export function printableLines(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, escape);
}

/** Longest user value a message quotes: a 50 MB cell must not make a 50 MB error line. */
export const QUOTED_MAX = 80;

/** Text cut to `max` UTF-16 units (never inside a surrogate pair), with … when cut. */
export function truncate(text: string, max = QUOTED_MAX): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text[max - 1]) ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}

/** A user's value as a message quotes it: JSON-quoted, at most QUOTED_MAX characters, printable. */
export function quoted(value: unknown): string {
  return printable(JSON.stringify(truncate(typeof value === 'string' ? value : String(value))));
}

/** Longest error line a door prints. */
export const MESSAGE_MAX = 2000;

/** An error message as a door prints it: one line, printable, bounded. */
export function messageLine(message: string): string {
  // Cut before escaping (bounded work), and again after (an escape is 6 characters for 1).
  return truncate(printable(truncate(message, MESSAGE_MAX)), MESSAGE_MAX);
}
