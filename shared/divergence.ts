// The rule that marks a run diverged, in one place for the engine, the UI, the CLI and the README.
export const DIVERGENCE_FACTOR = 1e3;
export const DIVERGENCE_RULE =
  'its loss became NaN or infinite, or it ended above 10³ × the larger of its initial loss and the loss of the best constant prediction';
