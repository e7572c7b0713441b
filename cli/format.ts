import Table from 'cli-table3';

/** A plain table (no colours unless stdout is a terminal): what `history` and `inspect` print. */
export function table(head: string[], rows: (string | number)[][], align?: ('left' | 'right')[]): string {
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const t = new Table({
    head,
    style: color ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] },
    ...(align ? { colAligns: align } : {}),
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const r of rows) t.push(r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  return t.toString();
}

/** Widest a streamed column gets (longer cells are cut with '…'). */
const STREAM_COLUMN_MAX = 48;

/**
 * A table written a page at a time, in the same box style as `table`, for listings too long for
 * cli-table3 (which lays out all rows at once and slows down faster than linearly: 4,000 rows take
 * seconds, 50,000 took minutes). Column widths come from the header and the first page; later
 * cells that do not fit are cut; `minWidths` keeps room for what later pages may hold.
 */
export class StreamingTable {
  private widths: number[] | undefined;

  constructor(private readonly head: string[], private readonly minWidths: number[] = []) {}

  /** The rows as lines; the first call also writes the top border and the header. */
  page(rows: string[][]): string {
    let out = '';
    if (this.widths === undefined) {
      this.widths = this.head.map((h, c) => {
        let w = Math.max(h.length, this.minWidths[c] ?? 0);
        for (const r of rows) w = Math.max(w, (r[c] ?? '').length);
        return Math.min(STREAM_COLUMN_MAX, w);
      });
      out += this.border('┌', '┬', '┐') + this.line(this.head);
    }
    for (const r of rows) out += this.line(r);
    return out;
  }

  /** The bottom border (nothing if no page was written). */
  end(): string {
    return this.widths === undefined ? '' : this.border('└', '┴', '┘');
  }

  private border(left: string, mid: string, right: string): string {
    return `${left}${this.widths!.map((w) => '─'.repeat(w + 2)).join(mid)}${right}\n`;
  }

  private line(cells: string[]): string {
    const w = this.widths!;
    return `│${w.map((width, c) => ` ${fit(cells[c] ?? '', width)} `).join('│')}│\n`;
  }
}

function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

const plain = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumSignificantDigits: 3 });

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 1_000_000 ? compact.format(n) : plain.format(n);
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** JSON of a value cut to `max` characters, for one table cell. */
export function preview(value: unknown, max = 60): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
