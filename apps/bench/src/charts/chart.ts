/**
 * The contract of one chart: which suite's figures it draws, and how they become a Vega-Lite spec.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Figure } from '../harness.ts';

/** What a chart cannot draw from the figures it was given, and why (printed as a note). */
export interface Skip {
  skip: string;
}

export interface Chart {
  /** The file name, without `.svg`. */
  name: string;
  /** The suite whose figures it draws. */
  suite: string;
  /** The spec drawn from the suite's figures; `label` names the run (e.g. `2026-11-25 134cef8`). */
  spec(figures: Figure[], label: string): TopLevelSpec | Skip;
}

export const isSkip = (x: TopLevelSpec | Skip): x is Skip => 'skip' in x;
