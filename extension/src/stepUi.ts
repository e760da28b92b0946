/**
 * One multi-step input: each question shows "Step n/N" and a Back button; the answers so far stay
 * when going back. The flows (captureFlow.ts) ask through `StepUi`, so tests drive them without
 * `vscode`; quickInputStepUi (steps.ts) is the real one.
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

/** A question of a flow: asks with the answers so far and returns the new answer. */
export type Question<A> = (ui: StepUi, answers: A, step: number, steps: number) => Promise<StepAnswer | Partial<A>>;

/**
 * Asks the questions in order; Back returns to the previous one (not before the first), Escape
 * cancels (undefined). Each question returns the answers it sets.
 */
export async function runSteps<A>(ui: StepUi, initial: A, questions: readonly Question<A>[]): Promise<A | undefined> {
  let answers = initial;
  let index = 0;
  while (index < questions.length) {
    const answer = await questions[index]!(ui, answers, index + 1, questions.length);
    if (answer === undefined) return undefined;
    if (answer === BACK) {
      index = Math.max(0, index - 1);
      continue;
    }
    if (typeof answer === 'object') answers = { ...answers, ...answer };
    index++;
  }
  return answers;
}
