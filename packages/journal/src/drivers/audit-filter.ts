/** Which audit entries an `AuditQuery` selects, for the stores that filter entries as they read them. */
import type { AuditQuery, AuditRecord } from '../types.ts';

/** Whether `record` is of the query's session (if any) and in its `[since, until)` window. */
export function auditMatches(record: Omit<AuditRecord, 'id'>, query: AuditQuery): boolean {
  if (query.sessionId !== undefined && record.sessionId !== query.sessionId) return false;
  if (query.since !== undefined && record.time < query.since) return false;
  if (query.until !== undefined && record.time >= query.until) return false;
  return true;
}
