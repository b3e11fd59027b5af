/**
 * One `TierPort` over two: remote backends go to the `RemotePort`, every other backend to the port
 * over the tier manager (`MultiTierPort`). The end of a session, and of a principal's last session
 * (per-principal remotes hold a connection per principal), is told to both.
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
    await Promise.all([this.remote.endPrincipal(principal), this.local.endPrincipal?.(principal)]);
  }
}
