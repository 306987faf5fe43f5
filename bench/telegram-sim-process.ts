/**
 * The Telegram simulator in a child process for bench/telegram-client.ts: the client benchmark
 * measures its own process's CPU per call, which must not include the simulator answering.
 * Rate limits are raised out of the way (the clients are measured, not Telegram's limits) and
 * `chats` private chats are created. Sends `{url, botToken, chatIds}` to the parent over IPC.
 */
import { startTelegramSimulator } from '../src/simulator/telegram/index.ts';

const chats = Number(process.env.BENCH_TG_CHATS ?? 500);
const sim = await startTelegramSimulator({
  limits: { perBotPerSecond: 1e9, perChat: 1e9, perChatWindowMs: 1000, perGroupPerMinute: 1e9 },
});
const chatIds = Array.from({ length: chats }, () => sim.user().id);
process.send?.({ url: sim.url, botToken: sim.botToken, chatIds });
process.on('disconnect', () => {
  void sim.close().finally(() => process.exit(0));
});
