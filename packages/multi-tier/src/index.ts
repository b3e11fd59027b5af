/**
 * `@switchyard/multi-tier` — `MultiTierPoolManager`: per backend, how many ready workers exist at
 * any moment (hot, warm, cold, or auto under a global budget), and a lease on a ready one.
 * MCP-agnostic: the MCP handshake is each backend's `ready` hook.
 */
export {
  type AutoCandidate,
  type AutoPolicyOptions,
  AutoTierPolicy,
  type PolicyRoom,
  type TierDecision,
} from './auto-policy.ts';
export type { AcquireOptions } from './backend-controller.ts';
export type { AdmitOptions, BackendAdmission } from './backend-gate.ts';
export { type BudgetUse, chooseEvictions, type EvictionCandidate, evictionOrder, fits } from './budget.ts';
export { Demand, type DemandFigures } from './demand.ts';
export {
  AcquireAbortedError,
  AcquireTimeoutError,
  BackendAtCapacityError,
  BackendCircuitOpenError,
  BackendExistsError,
  BackendFailedError,
  BackendOverloadedError,
  BackendRemovedError,
  BindingRefusedError,
  BudgetExceededError,
  type BudgetFigures,
  isAcquireAbortedError,
  isAcquireTimeoutError,
  isBackendAtCapacityError,
  isBackendCircuitOpenError,
  isBackendExistsError,
  isBackendFailedError,
  isBackendOverloadedError,
  isBackendRemovedError,
  isBindingRefusedError,
  isBudgetExceededError,
  isManagerClosedError,
  isMultiTierError,
  isRemoteBackendNotSupportedError,
  isSessionWorkerLostError,
  isStartInterruptedError,
  isUnknownBackendError,
  ManagerClosedError,
  MultiTierError,
  RemoteBackendNotSupportedError,
  type SessionLossReason,
  SessionWorkerLostError,
  StartInterruptedError,
  UnknownBackendError,
} from './errors.ts';
export type {
  MultiTierEvent,
  MultiTierEventOf,
  MultiTierEventType,
  StartReason,
  StopReason,
} from './events.ts';
export type { LatencySnapshot } from './latency.ts';
export { type CallOutcome, Lease } from './lease.ts';
export {
  type AddBackendOptions,
  type ManagerStopOptions,
  MultiTierPoolManager,
  type RemoveBackendOptions,
  type StartOptions,
  type StartReport,
} from './manager.ts';
export type {
  AuthorizeHook,
  AutoOptions,
  BackendSpec,
  BreakerOptions,
  BudgetOptions,
  ConnectContext,
  Isolation,
  ModuleBackendSpec,
  MultiTierOptions,
  OutlierOptions,
  ReadyContext,
  ReadyHook,
  RemoteBackendSpec,
  RemoteConnect,
  RetryOptions,
  StdioBackendSpec,
  Tier,
  TierSetting,
} from './spec.ts';
export type { BackendStats, ManagerState, ManagerStats } from './stats.ts';
