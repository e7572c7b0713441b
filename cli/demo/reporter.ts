/** How the demo talks to the person running it: step lines, notes, and the final block. */
export class Reporter {
  private step = 0;

  constructor(private readonly out: NodeJS.WritableStream) {}

  /** `[2/6] serve the dashboard` */
  begin(total: number, title: string): void {
    this.step++;
    this.out.write(`[${this.step}/${total}] ${title}\n`);
  }

  note(text: string): void {
    this.out.write(`      ${text}\n`);
  }

  line(text = ''): void {
    this.out.write(`${text}\n`);
  }

  get stream(): NodeJS.WritableStream {
    return this.out;
  }
}
