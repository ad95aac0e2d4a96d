// Datasets stored once per distinct dataset: the runs that train on the same points share one row,
// found by its content hash. A hash that is found must hold the very same bytes.
import type { Database } from 'better-sqlite3';
import { datasetHash } from './runRows.js';

/** Datasets whose ids are kept at hand; the others are found through their hash index. */
const KNOWN_DATASETS = 4096;

/** Dataset ids of one write transaction (make one per transaction: a rolled-back row is gone). */
export class DatasetIds {
  private readonly known = new Map<string, number>();
  private readonly find;
  private readonly insert;

  constructor(db: Database) {
    this.find = db.prepare('SELECT id, x, y FROM datasets WHERE hash = ?');
    this.insert = db.prepare('INSERT INTO datasets (hash, x, y) VALUES (?, ?, ?)');
  }

  /** The id of the dataset of these BLOBs (toBlob of its x and y), stored if new. */
  idOf(bx: Buffer, by: Buffer): number {
    const hash = datasetHash(bx, by);
    const known = this.known.get(hash);
    if (known !== undefined) return known;
    const row = this.find.get(hash) as { id: number; x: Buffer; y: Buffer } | undefined;
    if (row && !(row.x.equals(bx) && row.y.equals(by))) throw new Error(`datasets: two datasets share the hash ${hash}`);
    const id = row ? row.id : Number(this.insert.run(hash, bx, by).lastInsertRowid);
    // A sweep over data seeds has a dataset per run: the cache forgets rather than grow with them.
    if (this.known.size >= KNOWN_DATASETS) this.known.clear();
    this.known.set(hash, id);
    return id;
  }
}
