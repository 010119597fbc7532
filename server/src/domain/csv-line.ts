/** Why a line is not CSV: its field (numbered from 1) and what is wrong with it. */
export interface CsvLineFault {
  field: number;
  problem: string;
}

/**
 * Splits one line of CSV into its fields: separated by commas, each either plain or quoted (a
 * quote inside a quoted field is written twice, blanks around one are read past). A quoted field
 * ends on its line, so a stray quote can only make its own line unreadable, never the lines
 * after it. Returns the field that makes the line not CSV, and how, when one does.
 */
export function splitCsvLine(text: string): string[] | CsvLineFault {
  if (!text.includes('"')) return text.split(',');
  const fields: string[] = [];
  let pos = 0;
  for (;;) {
    const start = skipBlanks(text, pos);
    const field = fields.length + 1;
    if (text[start] === '"') {
      let value = '';
      let from = start + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote === -1) return { field, problem: 'opens a quote that is not closed on its line (a field cannot span lines)' };
        value += text.slice(from, quote);
        if (text[quote + 1] !== '"') {
          pos = skipBlanks(text, quote + 1);
          break;
        }
        value += '"';
        from = quote + 2;
      }
      fields.push(value);
      if (pos === text.length) return fields;
      if (text[pos] !== ',') return { field, problem: 'has text after its closing quote' };
      pos++;
    } else {
      const comma = text.indexOf(',', pos);
      const value = text.slice(pos, comma === -1 ? text.length : comma);
      if (value.includes('"')) {
        return { field, problem: 'has a quote inside it (quote the whole field and write its quotes twice)' };
      }
      fields.push(value);
      if (comma === -1) return fields;
      pos = comma + 1;
    }
  }
}

function skipBlanks(text: string, pos: number): number {
  while (text[pos] === ' ' || text[pos] === '\t') pos++;
  return pos;
}
