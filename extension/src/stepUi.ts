/**
 * One multi-step input: each question shows "Step n/N" and a Back button; the answers so far stay
 * when going back. The flows (captureFlow.ts, startFlow.ts) run their steps with runSteps and ask
 * through an injected UI, so tests drive them without `vscode`; quickInputSteps.ts is the real one.
 */

export const BACK = Symbol('back');
export type StepAnswer = string | typeof BACK | undefined;

export interface StepItem {
  readonly label: string;
  readonly description?: string;
}

export interface StepUi {
  /** Free text, checked by `validate` (a message in plain words, or undefined when fine). */
  input(title: string, step: number, steps: number, value: string, prompt: string, validate: (value: string) => string | undefined): Promise<StepAnswer>;
  /** One of `items` (its label); `active` is preselected. */
  pick(title: string, step: number, steps: number, items: readonly StepItem[], active: string | undefined): Promise<StepAnswer>;
}

/** One step of a flow: whether it applies to the answers so far, and its question. */
export interface Step<A> {
  readonly applies?: (answers: A) => boolean;
  /** The answers it sets, BACK, or undefined (cancelled); `at` is its "Step n/N". */
  readonly ask: (answers: A, at: { readonly step: number; readonly steps: number }) => Promise<Partial<A> | typeof BACK | undefined>;
}

/**
 * Asks the steps that apply, in order; Back returns to the previous one (not before the first),
 * Escape cancels (undefined). The count N follows the answers (a source that needs a range has
 * more steps).
 */
export async function runSteps<A>(initial: A, steps: readonly Step<A>[]): Promise<A | undefined> {
  const active = (answers: A) => steps.filter((step) => step.applies?.(answers) ?? true);
  let answers = initial;
  let current = steps[0];
  while (current) {
    const now = active(answers);
    const index = now.indexOf(current);
    const answer = await current.ask(answers, { step: index + 1, steps: now.length });
    if (answer === undefined) return undefined;
    if (answer === BACK) {
      current = now[Math.max(0, index - 1)];
      continue;
    }
    answers = { ...answers, ...answer };
    const next = active(answers);
    current = next[next.indexOf(current) + 1];
  }
  return answers;
}
