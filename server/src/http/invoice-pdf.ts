import { createRequire } from 'node:module';
import type PDFKit from 'pdfkit';
import { formatAbn } from '../domain/abn.js';
import { isSupply } from '../domain/invoice.js';
import type { IssuedInvoice } from '../services/invoice-queries.js';

/** "$1,234.50", "-$15.00". */
export function formatDollars(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const whole = Math.floor(Math.abs(cents) / 100).toLocaleString('en-AU');
  return `${sign}$${whole}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;
}

const MARGIN = 50;
const COLUMNS = { date: MARGIN, description: 112, amount: 365, gst: 465, right: 545 } as const;

/**
 * The invoice as a PDF (A4) with what an Australian tax invoice must show: the words "Tax invoice",
 * the supplier's name and ABN, the date of issue, each item with its GST-inclusive price and GST,
 * the total and the GST it includes; then the month's statement.
 */
export async function renderInvoicePdf({ invoice, lines }: IssuedInvoice): Promise<Buffer> {
  const PDFDocument = loadPdfKit();
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: `Tax invoice ${invoice.number}`, Author: invoice.supplier_name, CreationDate: new Date(invoice.issued_at) },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });

  doc.font('Helvetica-Bold').fontSize(22).text('Tax invoice', MARGIN, MARGIN);
  doc.font('Helvetica-Bold').fontSize(12).text(invoice.supplier_name, MARGIN, 90);
  doc.font('Helvetica').fontSize(10).text(`ABN ${formatAbn(invoice.supplier_abn)}`);
  if (invoice.supplier_address) doc.text(invoice.supplier_address);

  const facts: Array<[string, string]> = [
    ['Invoice number', String(invoice.number)],
    ['Issue date', invoice.issue_date],
    ['Period', `${invoice.period_start} to ${invoice.period_end}`],
    ['Customer', `${invoice.customer_name} (account ${invoice.customer_code})`],
  ];
  let y = 160;
  for (const [label, value] of facts) {
    doc.font('Helvetica-Bold').text(label, MARGIN, y, { width: 100 });
    doc.font('Helvetica').text(value, 160, y, { width: COLUMNS.right - 160 });
    y += 15;
  }

  y += 15;
  const row = (cells: { date: string; description: string; amount: string; gst: string }, bold = false) => {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    const height = Math.max(14, doc.heightOfString(cells.description, { width: COLUMNS.amount - COLUMNS.description - 8 }) + 4);
    if (y + height > doc.page.height - MARGIN) {
      doc.addPage();
      y = MARGIN;
    }
    doc.text(cells.date, COLUMNS.date, y, { width: COLUMNS.description - COLUMNS.date - 5, lineBreak: false });
    doc.text(cells.description, COLUMNS.description, y, { width: COLUMNS.amount - COLUMNS.description - 8 });
    doc.text(cells.amount, COLUMNS.amount, y, { width: COLUMNS.gst - COLUMNS.amount - 10, align: 'right', lineBreak: false });
    doc.text(cells.gst, COLUMNS.gst, y, { width: COLUMNS.right - COLUMNS.gst, align: 'right', lineBreak: false });
    y += height;
  };
  row({ date: 'Date', description: 'Description', amount: 'Amount incl. GST', gst: 'GST' }, true);
  for (const line of lines.filter((l) => isSupply(l.type))) {
    row({ date: line.date, description: line.description, amount: formatDollars(-line.amount_cents), gst: formatDollars(-line.gst_cents) });
  }
  y += 6;
  row({ date: '', description: 'Total (GST inclusive)', amount: formatDollars(invoice.total_cents), gst: '' }, true);
  row({ date: '', description: 'GST included in the total', amount: formatDollars(invoice.gst_cents), gst: '' }, true);

  y += 20;
  row({ date: 'Statement', description: '', amount: '', gst: '' }, true);
  row({ date: '', description: 'Opening balance', amount: formatDollars(invoice.opening_balance_cents), gst: '' });
  for (const line of lines.filter((l) => !isSupply(l.type))) {
    row({ date: line.date, description: line.description, amount: formatDollars(line.amount_cents), gst: '' });
  }
  row({ date: '', description: 'Payments and adjustments', amount: formatDollars(invoice.credits_cents), gst: '' });
  row({ date: '', description: 'Charges this month', amount: formatDollars(-invoice.total_cents), gst: '' });
  row({ date: '', description: 'Closing balance', amount: formatDollars(invoice.closing_balance_cents), gst: '' }, true);

  doc.end();
  await finished;
  return Buffer.concat(chunks);
}

/**
 * pdfkit is required on the first PDF, not imported: a start need not load it, and the bundle (run
 * from a compiled script, where a dynamic import has no loader) finds it in the CLI package's
 * dependencies like pg.
 */
function loadPdfKit(): typeof PDFKit {
  return createRequire(import.meta.url)('pdfkit') as typeof PDFKit;
}
