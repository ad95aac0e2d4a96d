// Every problem of a config at once, keyed by field, in the doors' own wording.
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../shared/api.js';
import { formatIssue, parseConfig, InputError } from '../../shared/config.js';
import { fieldErrors } from '../../shared/configErrors.js';
import { HINGE } from '../support/helpers.js';

describe('fieldErrors', () => {
  it('a valid config, with or without defaults filled in, has no errors', () => {
    expect(fieldErrors({ data: { target: HINGE } })).toEqual({});
    expect(fieldErrors(parseConfig({ data: { target: { kind: 'sine' } }, optimizer: { kind: 'sgd', lr: 0.1 } }))).toEqual({});
  });

  it('reports several bad fields at once, each under its dotted path', () => {
    const input = {
      data: { target: { kind: 'hinge', x0: 'abc' }, n: 0 },
      model: { hidden: [2, 0], activation: ['relu', 'foo'] },
      optimizer: { kind: 'adam', lr: -1, momentum: 0.9, rho: 0.5 },
      steps: 2.5,
      colour: 'red',
    };
    expect(fieldErrors(input)).toEqual({
      'data.target.x0': 'data.target.x0: must be a number (got "abc")',
      'data.n': 'data.n: must be at least 1 (got 0)',
      'model.hidden.1': 'model.hidden[1]: must be at least 1 (got 0)',
      'model.activation.1': 'model.activation[1]: must be one of "relu", "tanh", "sigmoid", "linear" (got "foo")',
      'optimizer.lr': 'optimizer.lr: must be more than 0 (got -1)',
      'optimizer.momentum': 'optimizer.momentum: unknown field',
      'optimizer.rho': 'optimizer.rho: unknown field',
      steps: 'steps: must be an integer (got 2.5)',
      colour: 'colour: unknown field',
    });
  });

  it('unknown kinds, missing fields, cross-field rules and the root', () => {
    expect(fieldErrors({ data: { target: { kind: 'polynomial' } }, optimizer: { kind: 'nesterov' }, init: { kind: 'symmetric', weight: 'x' } })).toEqual({
      'data.target.coefficients': 'data.target.coefficients: required (array)',
      'optimizer.kind': 'optimizer.kind: unknown kind "nesterov"; allowed: sgd, momentum, rmsprop, momentum-rmsprop, adam',
      'init.weight': 'init.weight: must be a number (got "x")',
    });
    expect(fieldErrors({ data: { target: HINGE, xRange: [1, -1] } })).toEqual({
      'data.xRange': 'data.xRange: must be [low, high] with low < high (got [1,-1])',
    });
    expect(fieldErrors({ data: { target: HINGE, n: 2 }, model: { output: 'softmax' }, batchSize: 3 })).toEqual({
      batchSize: 'batchSize: must be at most data.n (2) (got 3)',
      loss: 'loss: a softmax output needs loss nll (got nothing)',
      'model.outputs': 'model.outputs: softmax needs 2 or more outputs (classes) (got nothing)',
    });
    expect(fieldErrors(null)).toEqual({ '': 'config: must be an object (got null)' });
    expect(fieldErrors({})).toEqual({ data: 'data: required (object)' });
  });

  it('words the first error exactly as parseConfig does', () => {
    const input = { data: { target: HINGE }, optimizer: { kind: 'sgd', lr: 0 }, batchSize: 0 };
    const first = Object.values(fieldErrors(input))[0];
    expect(() => parseConfig(input)).toThrow(new InputError(first));
  });

  it('says bounds in words, once, as people write them (issue 20, finding 10): the CLI and the form read the same line', () => {
    expect(() => parseConfig({ data: { target: HINGE, noise: 1e300 } })).toThrow(new InputError('data.noise: must be at most 3.403e+38 (got 1e+300)'));
    expect(() => parseConfig({ data: { target: HINGE }, steps: 0 })).toThrow(new InputError('steps: must be at least 1 (got 0)'));
    expect(() => parseConfig({ data: { target: HINGE }, optimizer: { kind: 'sgd', lr: 0 } })).toThrow(new InputError('optimizer.lr: must be more than 0 (got 0)'));
    // An empty rename, as every door says it.
    const rename = { id: 1, name: '  ' };
    const parsed = CHANNELS['experiments.rename'].safeParse(rename);
    expect(parsed.success ? '' : formatIssue(parsed.error, rename, 'request')).toBe('name: must not be empty');
    for (const message of Object.values(fieldErrors({ data: { target: HINGE, noise: 1e300 }, steps: 0, optimizer: { kind: 'sgd', lr: -1 } }))) {
      expect(message).not.toMatch(/[<>]=?|\d{8}/);
    }
  });
});
