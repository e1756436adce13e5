import { Writable } from 'node:stream';
import type { CliIo } from '../../src/cli/output.ts';

/** A CliIo that keeps what a command writes to stdout and stderr. */
export function capturedIo(): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const io = {
    stdout: sink((text) => {
      out += text;
    }),
    stderr: sink((text) => {
      err += text;
    }),
  };
  return { io, out: () => out, err: () => err };
}
