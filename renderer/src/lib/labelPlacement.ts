// One rule for every text drawn on a canvas: a label is drawn only where it is wholly inside the
// canvas and clear of every label placed before it. Callers offer labels most important first, and
// publish the boxes they drew (`data-label-boxes`) so a reader of the page can check what is shown.

/** A label's text box on a canvas, in CSS pixels from its top left. */
export interface LabelBox {
  text: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export function boxesMeet(a: LabelBox, b: LabelBox): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/** Whether `box` lies wholly inside a width × height canvas. */
export function boxInside(box: LabelBox, width: number, height: number): boolean {
  return box.left >= 0 && box.top >= 0 && box.right <= width && box.bottom <= height;
}

/** Places labels in the order offered; `place(box)` says whether `box` was placed (and records it). */
export class LabelPlacer {
  readonly placed: LabelBox[] = [];

  constructor(
    private readonly width: number,
    private readonly height: number,
  ) {}

  place(box: LabelBox): boolean {
    if (!boxInside(box, this.width, this.height) || this.placed.some((b) => boxesMeet(box, b))) return false;
    this.placed.push(box);
    return true;
  }
}
