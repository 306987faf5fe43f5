import type { ReadStream } from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Message ids as newId makes them; anything else never becomes a path. */
const SAFE_NAME = /^msg_[a-z0-9]{1,64}$/;

/**
 * The media folder (DATA_DIR/media): one file per message, named by its id. Written to a temporary
 * name and renamed, so a reader never sees half a file. With several processes on several
 * machines the folder should be shared; where it is not, a process without the file fetches it
 * from WhatsApp again while WhatsApp still has it.
 */
export class CustomerMediaFiles {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'media');
  }

  pathOf(messageId: string): string {
    if (!SAFE_NAME.test(messageId)) throw new Error(`not a message id: ${messageId}`);
    return join(this.dir, messageId);
  }

  async write(messageId: string, data: Uint8Array): Promise<void> {
    const path = this.pathOf(messageId);
    await mkdir(this.dir, { recursive: true });
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, path);
  }

  /** The file's size and a stream of it, or undefined when it is not there. */
  async open(messageId: string): Promise<{ size: number; stream: ReadStream } | undefined> {
    const path = this.pathOf(messageId);
    try {
      // Opened first: a sweep deleting the file meanwhile does not cut the answer short.
      const handle = await open(path, 'r');
      const s = await handle.stat();
      if (!s.isFile()) {
        await handle.close();
        return undefined;
      }
      return { size: s.size, stream: handle.createReadStream() };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async remove(messageId: string): Promise<void> {
    await rm(this.pathOf(messageId), { force: true });
  }
}

export function isSafeMessageId(id: string): boolean {
  return SAFE_NAME.test(id);
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT';
}
