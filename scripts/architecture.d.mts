import type { IReporterOutput } from 'dependency-cruiser';

/** The repository's root directory. */
export const root: string;
/** The folders the rules cover, relative to a base directory. */
export const LAYERS: string[];
/** Cruises LAYERS under baseDir (default: the repository) with .dependency-cruiser.cjs and tsconfig.json. */
export function cruiseArchitecture(options?: { baseDir?: string; outputType?: string }): Promise<IReporterOutput>;
