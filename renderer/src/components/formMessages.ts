// The form's problems beside the field the user edited: the schema's one-line messages (already in
// words: "model.hidden[0]: must be at least 1 (got 0)", shared/config.ts) start with a path, which a
// form field does not need — its label is right there.

/** A schema message without its leading path. */
export function inWords(message: string): string {
  const colon = message.indexOf(': ');
  return colon >= 0 && !/\s/.test(message.slice(0, colon)) ? message.slice(colon + 2) : message;
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth'];

/**
 * Which part of a field an error key names, in words: '' for the field itself, "the second value"
 * for 'model.hidden.1' under 'model.hidden', "to" for the second end of a range, else the rest of the path.
 */
export function partOf(key: string, fieldPath: string, control: string): string {
  if (key === fieldPath || !key.startsWith(`${fieldPath}.`)) return '';
  const rest = key.slice(fieldPath.length + 1).split('.');
  const index = Number(rest[0]);
  if (rest.length === 1 && Number.isInteger(index)) {
    if (control === 'range') return index === 0 ? 'from' : 'to';
    return `the ${ORDINALS[index] ?? `#${index + 1}`} value`;
  }
  return rest.join(' ');
}

/** How a message names another field: a few in words, else the field's label without its note in brackets. */
const PATH_WORDS: Record<string, string> = { 'data.n': 'the number of points', batchSize: 'the batch size' };

/** `text` with the config paths of `fields` (as the schema writes them) replaced by their names. */
export function namePaths(text: string, fields: readonly { path: string; label: string }[]): string {
  const byLength = [...fields].sort((a, b) => b.path.length - a.path.length);
  let out = text;
  for (const f of byLength) {
    const name = PATH_WORDS[f.path] ?? f.label.replace(/\s*\(.*\)$/, '');
    out = out.replace(new RegExp(`(^|[\\s(])${f.path.replaceAll('.', '\\.')}(?![\\w.])`, 'g'), `$1${name}`);
  }
  return out;
}

/** A message shown under a field: its part (when it names one) and the message in words. */
export function fieldMessage(message: string, part: string): string {
  return part ? `${part}: ${inWords(message)}` : inWords(message);
}
