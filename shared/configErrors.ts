// Every problem of a config at once, keyed by the field it belongs to, so a form can show each message
// under its input. The wording is formatIssue's, issue by issue, so the form and the doors agree.
import { z } from 'zod';
import { ExperimentConfig, formatIssue } from './config.js';

type Issue = z.core.$ZodIssue;

/** The issue formatIssue ends up describing: a plain union reports its deepest alternative's problem. */
function leaf(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || ('options' in issue && Array.isArray(issue.options))) return issue;
  const nested = issue.errors.flat().sort((a, b) => b.path.length - a.path.length)[0];
  return nested ? leaf({ ...nested, path: [...issue.path, ...nested.path] }) : issue;
}

const keyOf = (path: readonly PropertyKey[]): string => path.map(String).join('.');

/**
 * Validates `input` as an ExperimentConfig; returns one line per problem keyed by its dotted path
 * ('optimizer.lr', 'model.hidden.0', '' for the root). An unknown field is keyed by its own path.
 * A valid config gives {}.
 */
export function fieldErrors(input: unknown): Record<string, string> {
  const result = ExperimentConfig.safeParse(input);
  if (result.success) return {};
  const errors: Record<string, string> = {};
  const add = (issue: Issue, key: string) => {
    if (!(key in errors)) errors[key] = formatIssue(new z.ZodError([issue]), input);
  };
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) add({ ...issue, keys: [k] }, keyOf([...issue.path, k]));
    } else {
      const one = leaf(issue);
      add(one, keyOf(one.path));
    }
  }
  return errors;
}
