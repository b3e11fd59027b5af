/**
 * One `TierPort` over two: remote backends go to the `RemotePort`, every other backend to the port
 * over the tier manager (`MultiTierPort`). The end of a session is told to both; the end of a
 * principal's last session to the tier manager (remote backends bind nothing per principal).
 */
import type { AcquireOptions, TierPort, WorkerLease } from '@switchyard/coordinator';
import type { RemotePort } from './remote-port.ts';

export class CompositePort implements TierPort {
  constructor(
    private readonly remote: RemotePort,
    private readonly local: TierPort,
  ) {}

  acquire(backend: string, options: AcquireOptions): Promise<WorkerLease> {
    return (this.remote.serves(backend) ? this.remote : this.local).acquire(backend, options);
  }

  async endSession(session: string): Promise<void> {
    await Promise.all([this.remote.endSession(session), this.local.endSession(session)]);
  }

  async endPrincipal(principal: string): Promise<void> {
    await this.local.endPrincipal?.(principal);
  }
}
