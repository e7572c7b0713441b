import { once } from 'node:events';

/** Write to stdout, waiting when the pipe is full (large exports into `| head` or a slow reader). */
export async function write(text: string, stream: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}
