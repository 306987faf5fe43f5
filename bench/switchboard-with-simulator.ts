import type { Simulator } from '../src/simulator/index.ts';
import { SECRETS, settings } from './settings.ts';
import type { SwitchboardTargetSpec } from './switchboard-target.ts';
import { startTargetProcess, type TargetHandle } from './target-client.ts';

/** The Switchboard target's settings, its number pointing at the simulator. */
export function switchboardSpec(sim: Simulator, role: SwitchboardTargetSpec['role']): SwitchboardTargetSpec {
  return {
    role,
    number: {
      phoneNumberId: sim.phoneNumberId,
      wabaId: sim.wabaId,
      displayPhoneNumber: sim.displayPhoneNumber,
      graphBaseUrl: sim.graphBaseUrl,
    },
    secrets: { ...SECRETS },
    throughputPerSecond: settings.switchboard.throughputPerSecond,
    workerConcurrency: settings.switchboard.workerConcurrency,
  };
}

/** Switchboard (role all) in its own process, wired both ways to the simulator. */
export async function startWiredSwitchboard(sim: Simulator): Promise<TargetHandle> {
  const target = await startTargetProcess({ type: 'switchboard', spec: switchboardSpec(sim, 'all') }, 'switchboard-e2e');
  const check = await sim.setWebhookUrl(`${target.url}/webhooks/whatsapp`);
  if (!check.ok) {
    await target.stop();
    throw new Error(`the simulator could not verify Switchboard's webhook: ${check.status ?? ''} ${check.error ?? ''}`);
  }
  return target;
}

/** Waits (bounded) until the simulator has no webhook left to deliver and Switchboard no work left. */
export async function settle(sim: Simulator, target: TargetHandle, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
    await sim.drainWebhooks(Math.max(1, deadline - Date.now())).catch(() => undefined);
    const b = await target.backlog();
    if (b.pendingEvents === 0 && b.runnableJobs === 0) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
