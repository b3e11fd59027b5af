/**
 * The routing core: one request of a session — a 2025 front session or a 2026 stand-in — answered
 * here (`ping`, `logging/setLevel`, list pages, the gateway's tasks) or sent on to the backend that
 * owns its tool, prompt, resource or reference (`RequestTargets`, then a routed `Call`). Both fronts
 * (`legacy-front.ts`, `modern-front.ts`) turn their era's message into one call of `request`; what
 * differs by era here is what the era itself decides (tasks: 2025-11-25's task-augmented calls, the
 * 2026 tasks extension). Every request answered here is audited.
 */

import { legacyRevisionRules } from '../era/legacy-versions.ts';
import { isCoordinatorError, isInvalidCursorError } from '../errors.ts';
import { INTERNAL_ERROR } from '../jsonrpc/codes.ts';
import { errorResponse, invalidParams, methodNotFound, resultResponse } from '../jsonrpc/responses.ts';
import {
  isJsonObject,
  type JsonObject,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '../jsonrpc/types.ts';
import { ownEntry } from '../own.ts';
import type { CallerClaims } from '../policy/access-policy.ts';
import { outcomeOf } from './answers.ts';
import type { AuditTrail } from './audit-trail.ts';
import { LISTS } from './backend-fleet.ts';
import type { Outcome } from './outcome.ts';
import type { ListPages } from './pages.ts';
import type { PolicyGate } from './policy-gate.ts';
import { malformedField } from './request-shape.ts';
import type { RequestTargets } from './request-targets.ts';
import type { NameResolver, NameRoute } from './resolution.ts';
import { LOG_LEVELS } from './server-notices.ts';
import type { FrontSession } from './sessions.ts';
import { type GatewayTasks, TASK_METHODS } from './tasks/gateway-tasks.ts';
import {
  declaresTasks,
  dropLegacyTask,
  MODERN_TASK_METHODS,
  missingTasksExtension,
  withTaskSupport,
} from './tasks/task-wire.ts';

/** What the routing core needs: where names lead, the policy, the lists, the tasks, the audit. */
export interface RoutingCoreParts {
  readonly policy: Pick<PolicyGate, 'subjectOf' | 'listView'>;
  readonly trail: Pick<AuditTrail, 'record'>;
  /** Where a named request goes (with the policy's word), then routed. */
  readonly targets: Pick<RequestTargets, 'callNamed' | 'routeByUri' | 'complete'>;
  readonly resolver: Pick<NameResolver, 'named'>;
  readonly tasks: Pick<GatewayTasks, 'startModern' | 'start' | 'handleModern' | 'result' | 'handle'>;
  /** The merged lists, page by page. */
  readonly pages: Pick<ListPages, 'page'>;
  /** How deep a call's `arguments` may nest. */
  readonly argumentDepth: number;
  /** A 2025 session's log level was set (`logging/setLevel`): its record keeps it. */
  logLevelSet(session: FrontSession, level: string): Promise<void>;
  now(): number;
}

export class RoutingCore {
  constructor(private readonly parts: RoutingCoreParts) {}

  /**
   * One request of `session`: answered here, or routed to its backend (a stream back).
   * `shapeChecked`: the 2026 front has refused a malformed field already (with HTTP 400).
   */
  async request(
    session: FrontSession,
    request: JsonRpcRequest,
    claims?: CallerClaims,
    shapeChecked = false,
  ): Promise<Outcome> {
    const started = this.parts.now();
    const subject = this.parts.policy.subjectOf(session.principal, request, claims);
    const respond = (message: JsonRpcResponse, backend: string | null = null): Outcome => {
      this.parts.trail.record({
        session,
        method: request.method,
        name: nameOf(request),
        backend,
        started,
        outcome: outcomeOf(message),
        response: message,
        request,
      });
      return { kind: 'response', message };
    };
    const malformed = shapeChecked ? undefined : malformedField(request, this.parts.argumentDepth);
    if (malformed) return respond(malformed);
    try {
      switch (request.method) {
        case 'ping':
          return respond(resultResponse(request.id, {}));
        case 'logging/setLevel': {
          const level = request.params?.level;
          if (typeof level !== 'string' || !LOG_LEVELS.includes(level)) {
            return respond(invalidParams(request.id, `level must be one of ${LOG_LEVELS.join(', ')}`));
          }
          session.logLevel = level;
          if (session.era === 'legacy') await this.parts.logLevelSet(session, level);
          return respond(resultResponse(request.id, {}));
        }
        case 'tools/call':
          if (session.era === 'modern') {
            dropLegacyTask(request);
            // One resolution serves the task check and the call: most tools run as no task.
            const name = request.params?.name;
            if (typeof name !== 'string')
              return await this.parts.targets.callNamed(session, request, started, subject);
            const owner = await this.parts.resolver.named(session, LISTS['tools/list']!, name);
            const support = taskSupportOf(owner);
            if (support === 'optional' || support === 'required') {
              const task = await this.parts.tasks.startModern(session, request, claims);
              if (task) return task;
            }
            return await this.parts.targets.callNamed(session, request, started, subject, owner);
          }
          if (request.params?.task !== undefined && this.takesTasks(session))
            // Not audited here: the task's call is, by its own path.
            return { kind: 'response', message: await this.parts.tasks.start(session, request, claims) };
          return await this.parts.targets.callNamed(session, request, started, subject);
        case 'prompts/get':
          return await this.parts.targets.callNamed(session, request, started, subject);
        case 'resources/read':
        case 'resources/subscribe':
        case 'resources/unsubscribe':
          return await this.parts.targets.routeByUri(session, request, started, subject);
        case 'completion/complete':
          return await this.parts.targets.complete(session, request, started, subject);
        default: {
          if (session.era === 'modern' && MODERN_TASK_METHODS.has(request.method)) {
            // 2026-07-28 answers -32021 with HTTP 400.
            if (!declaresTasks(request))
              return { kind: 'response', message: missingTasksExtension(request), httpStatus: 400 };
            return respond(await this.parts.tasks.handleModern(session, request));
          }
          if (request.method === 'tasks/result' && this.takesTasks(session))
            return await this.parts.tasks.result(session, request);
          if (TASK_METHODS.has(request.method) && this.takesTasks(session))
            return respond(await this.parts.tasks.handle(session, request));
          const spec = ownEntry(LISTS, request.method);
          if (spec) {
            const page = await this.parts.pages.page(
              session,
              request,
              spec,
              this.parts.policy.listView(subject, spec),
            );
            return respond(
              request.method === 'tools/list' && this.takesTasks(session) ? withTaskSupport(page) : page,
            );
          }
          return respond(methodNotFound(request.id, request.method));
        }
      }
    } catch (e) {
      if (isInvalidCursorError(e)) return respond(invalidParams(request.id, e.message));
      if (isCoordinatorError(e))
        return respond(errorResponse(request.id, { code: INTERNAL_ERROR, message: e.message }));
      throw e;
    }
  }

  /** Whether `session` speaks tasks: a 2025-11-25 session (`GatewayTasks`). */
  private takesTasks(session: FrontSession): boolean {
    return session.era === 'legacy' && legacyRevisionRules(session.protocolVersion).tasks;
  }
}

/** How a resolved tool runs as a task (`execution.taskSupport` of its listing), if it says. */
export function taskSupportOf(owner: NameRoute): string | undefined {
  const execution = owner.kind === 'owned' ? (owner.listed as JsonObject | undefined)?.execution : undefined;
  return isJsonObject(execution) && typeof execution.taskSupport === 'string'
    ? execution.taskSupport
    : undefined;
}

/** The tool or prompt name, or the resource URI, a request names (as the client said it). */
export function nameOf(request: JsonRpcRequest): string | null {
  const p = request.params;
  if (typeof p?.name === 'string') return p.name;
  if (typeof p?.uri === 'string') return p.uri;
  return null;
}
