// Asking for the Theory panel from anywhere (a view, a preset, a basics tab): one window event the
// shell listens for, so no component needs a callback threaded down to it.
export const THEORY_SECTIONS = {
  problem: 'The problem',
  neurons: 'Neurons',
  costs: 'Costs',
  backprop: 'Backpropagation',
  regions: 'Linear regions',
  views: 'The three views',
  init: 'Initialization pitfalls',
  optimizers: 'Optimizers',
} as const;
export type TheorySection = keyof typeof THEORY_SECTIONS;

const EVENT = 'landscape-lab:theory';

export function openTheory(section: TheorySection): void {
  window.dispatchEvent(new CustomEvent<TheorySection>(EVENT, { detail: section }));
}

/** Calls `show` for every request; returns the function that stops listening. */
export function onTheoryRequest(show: (section: TheorySection) => void): () => void {
  const listener = (e: Event) => show((e as CustomEvent<TheorySection>).detail);
  window.addEventListener(EVENT, listener);
  return () => window.removeEventListener(EVENT, listener);
}
