/** One line of a text stream, numbered from 1; a line past the limit comes without its text. */
export type TextLine = { line: number; text: string } | { line: number; tooLong: true; bytes: number };

const LF = 0x0a;
const CR = 0x0d;

/**
 * Reads a byte stream as UTF-8 lines ending in LF, CRLF or CR, mixed as they come. A line longer
 * than `maxBytes` is read past to its end and reported by its length, never held: however long a
 * line is, what is held at once is at most one line's limit and one chunk.
 */
export async function* readTextLines(source: AsyncIterable<Uint8Array | string>, maxBytes: number): AsyncGenerator<TextLine> {
  let line = 1;
  // The current line's bytes from earlier chunks, kept while it is within the limit.
  let held: Buffer[] = [];
  let length = 0;
  let afterCr = false;
  const end = (chunk: Buffer, from: number, to: number): TextLine => {
    length += to - from;
    let result: TextLine;
    if (length > maxBytes) result = { line, tooLong: true, bytes: length };
    else if (held.length === 0) result = { line, text: chunk.toString('utf8', from, to) };
    else result = { line, text: Buffer.concat([...held, chunk.subarray(from, to)]).toString('utf8') };
    held = [];
    length = 0;
    line++;
    return result;
  };

  for await (const input of source) {
    const chunk = typeof input === 'string' ? Buffer.from(input) : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    let pos = afterCr && chunk[0] === LF ? 1 : 0;
    afterCr = false;
    let lf = chunk.indexOf(LF, pos);
    let cr = chunk.indexOf(CR, pos);
    while (lf !== -1 || cr !== -1) {
      const at = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      yield end(chunk, pos, at);
      pos = at + 1;
      if (at === cr) {
        if (pos === chunk.length) afterCr = true;
        else if (chunk[pos] === LF) pos++;
      }
      if (lf !== -1 && lf < pos) lf = chunk.indexOf(LF, pos);
      if (cr !== -1 && cr < pos) cr = chunk.indexOf(CR, pos);
    }
    const rest = chunk.length - pos;
    if (rest > 0) {
      length += rest;
      // A copy: a view would keep the whole chunk alive for its last few bytes.
      if (length <= maxBytes) held.push(Buffer.from(chunk.subarray(pos)));
      else held = [];
    }
  }
  if (length > 0) yield end(Buffer.alloc(0), 0, 0);
}
