// Linked cameras: when one view's camera moves, the others copy its position, target and zoom.

export interface CameraState {
  position: [number, number, number];
  target: [number, number, number];
  zoom: number;
}

export interface LinkedView {
  apply(state: CameraState): void;
  reset(): void;
}

export class CameraLink {
  linked = true;
  private readonly views = new Set<LinkedView>();

  join(view: LinkedView): () => void {
    this.views.add(view);
    return () => this.views.delete(view);
  }

  /** A user moved `from`'s camera: the others follow when linked. */
  moved(from: LinkedView, state: CameraState): void {
    if (!this.linked) return;
    for (const v of this.views) if (v !== from) v.apply(state);
  }

  resetAll(): void {
    for (const v of this.views) v.reset();
  }
}
