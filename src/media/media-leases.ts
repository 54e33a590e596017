/**
 * Counted holds on stored files: a pending send holds the media it will upload to WhatsApp,
 * and DeleteMedia refuses a held file. Per process, like the sends that take them.
 */
export class MediaLeases {
  private readonly holds = new Map<string, number>();

  /** Takes a hold; the returned function releases it (calling it again does nothing). */
  hold(mediaId: string): () => void {
    this.holds.set(mediaId, (this.holds.get(mediaId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.holds.get(mediaId) ?? 1) - 1;
      if (left > 0) this.holds.set(mediaId, left);
      else this.holds.delete(mediaId);
    };
  }

  isHeld(mediaId: string): boolean {
    return this.holds.has(mediaId);
  }
}
