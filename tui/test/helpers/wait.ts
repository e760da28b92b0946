// Waiting for content, never for a fixed time.
export async function waitFor<T>(probe: () => T | undefined | false, what: string | (() => string), timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the last frame contains every text (and none of `absent`); returns it. */
export function waitForFrame(lastFrame: () => string | undefined, texts: string[], absent: string[] = [], timeoutMs = 5000): Promise<string> {
  return waitFor(
    () => {
      const frame = lastFrame() ?? '';
      return texts.every((text) => frame.includes(text)) && absent.every((text) => !frame.includes(text)) ? frame : undefined;
    },
    () => `${JSON.stringify(texts)}${absent.length ? ` without ${JSON.stringify(absent)}` : ''} in:\n${lastFrame() ?? ''}`,
    timeoutMs
  );
}
