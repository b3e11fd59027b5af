/**
 * Bounded label values for per-tool figures (OpenTelemetry attributes and Prometheus labels
 * alike): a tool's name counts as itself only when the gateway resolved it to a backend (a tool of
 * the catalogue it serves) and while fewer than `max` names have been seen; any other name is
 * `other`, so a client sending made-up names cannot grow a time series per name.
 */
export const OTHER = 'other';

/** Most distinct tool names kept as label values by default. */
export const DEFAULT_MAX_TOOL_LABELS = 1_000;

export class ToolLabels {
  private readonly seen = new Set<string>();

  constructor(private readonly max = DEFAULT_MAX_TOOL_LABELS) {}

  /** The label of the tool `name` of a call that reached `backend` (`null`: none did). */
  of(name: string, backend: string | null): string {
    if (backend === null) return OTHER;
    if (this.seen.has(name)) return name;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(name);
    return name;
  }
}
