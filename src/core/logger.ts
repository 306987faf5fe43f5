import pino, { type DestinationStream, type Logger } from 'pino';
import { logMixin } from './log-context.ts';

/**
 * The process logger: JSON lines (pino), secrets redacted, and the request id or job id of the
 * work in progress on every line (core/log-context.ts). `destination` for tests; stdout otherwise.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: ['*.accessToken', '*.appSecret', '*.verifyToken', 'req.headers.authorization', '*.adminToken', '*.metricsToken', '*.apiKey'],
    mixin: logMixin,
  };
  return destination ? pino(options, destination) : pino(options);
}
