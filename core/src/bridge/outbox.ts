/**
 * The engine's side of at-least-once delivery: numbered, encoded messages kept until the
 * processor acknowledges them. Pure data structure, no I/O.
 *
 *   acked ≤ … sent … ≤ queued
 *   [ firstSeq ........ nextToSend ........ nextSeq )
 */
export class Outbox {
  private items: string[] = [];
  private head = 0; // index of firstSeq in items
  private firstSeq: number; // oldest unacknowledged sequence number
  private sendIndex = 0; // index in items of the next message to send

  constructor(nextSeq = 1) {
    this.firstSeq = nextSeq;
  }

  /** Sequence number the next pushed message gets. */
  get nextSeq(): number {
    return this.firstSeq + this.items.length - this.head;
  }
  /** Messages queued or sent but not yet acknowledged. */
  get inFlight(): number {
    return this.items.length - this.head;
  }
  get unsent(): number {
    return this.items.length - this.sendIndex;
  }
  get lastAcked(): number {
    return this.firstSeq - 1;
  }

  push(encoded: string): number {
    // Kept until acknowledged, a message built by concatenation would survive as a rope of dozens
    // of small strings, each copied by every young-generation GC. Converting it to a number makes
    // V8 flatten it into one string first (the pipeline benchmark promotes ~40% fewer bytes).
    Number(encoded);
    this.items.push(encoded);
    return this.nextSeq - 1;
  }

  /** Cumulative ack: forget everything up to and including `seq`. */
  ack(seq: number): void {
    const count = Math.min(seq - this.lastAcked, this.inFlight);
    if (count <= 0) return;
    this.head += count;
    this.firstSeq += count;
    if (this.sendIndex < this.head) this.sendIndex = this.head;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.sendIndex -= this.head;
      this.head = 0;
    }
  }

  /** After a reconnect every unacknowledged message is sent again. */
  rewind(): void {
    this.sendIndex = this.head;
  }

  /**
   * Takes the next batch to send, at most `maxMessages` and about `maxBytes` (a single larger
   * message still goes alone), as a complete `batch` frame.
   */
  takeBatch(maxMessages: number, maxBytes: number): string | undefined {
    if (this.unsent === 0) return undefined;
    const seq = this.firstSeq + (this.sendIndex - this.head);
    const end = Math.min(this.items.length, this.sendIndex + maxMessages);
    let bytes = 0;
    let i = this.sendIndex;
    for (; i < end; i++) {
      bytes += (this.items[i] as string).length + 1;
      if (bytes > maxBytes && i > this.sendIndex) break;
    }
    const frame = `{"type":"batch","seq":${seq},"msgs":[${this.items.slice(this.sendIndex, i).join(',')}]}`;
    this.sendIndex = i;
    return frame;
  }
}
