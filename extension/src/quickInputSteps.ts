/** The StepUi of VS Code: an input box or quick pick with "Step n/N" and a Back button. */
import * as vscode from 'vscode';
import { BACK, type StepUi } from './stepUi.js';

function ask<T extends vscode.QuickInput, R = string>(input: T, step: number, steps: number, wire: (input: T, done: (answer: R | typeof BACK | undefined) => void) => void): Promise<R | typeof BACK | undefined> {
  input.step = step;
  input.totalSteps = steps;
  input.ignoreFocusOut = true;
  (input as unknown as vscode.QuickPick<vscode.QuickPickItem>).buttons = step > 1 ? [vscode.QuickInputButtons.Back] : [];
  return new Promise<R | typeof BACK | undefined>((resolve) => {
    let settled = false;
    const done = (answer: R | typeof BACK | undefined) => {
      if (settled) return;
      settled = true;
      resolve(answer);
      input.dispose();
    };
    (input as unknown as vscode.InputBox).onDidTriggerButton((button) => {
      if (button === vscode.QuickInputButtons.Back) done(BACK);
    });
    input.onDidHide(() => done(undefined));
    wire(input, done);
    input.show();
  });
}

export const quickInputSteps: StepUi = {
  input(title, step, steps, value, prompt, validate) {
    const box = vscode.window.createInputBox();
    box.title = title;
    box.value = value;
    box.prompt = prompt;
    return ask(box, step, steps, (input, done) => {
      input.onDidChangeValue((text) => (input.validationMessage = validate(text)));
      input.onDidAccept(() => {
        const problem = validate(input.value);
        input.validationMessage = problem;
        if (problem === undefined) done(input.value);
      });
    });
  },
  async pick(title, step, steps, items, active) {
    const chosen = await pickStep(title, step, steps, items.map((item) => ({ ...item, picked: item.label === active })), false);
    return chosen === BACK || chosen === undefined ? chosen : chosen[0];
  }
};

/** A quick pick as a step: one label (or several with `many`), BACK, or undefined when cancelled. */
export function pickStep(title: string, step: number, steps: number, items: readonly { label: string; description?: string; picked?: boolean }[], many: boolean): Promise<string[] | typeof BACK | undefined> {
  const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem>();
  quickPick.title = title;
  quickPick.canSelectMany = many;
  quickPick.matchOnDescription = true;
  quickPick.items = items.map((item) => ({ label: item.label, ...(item.description !== undefined && { description: item.description }) }));
  const marked = quickPick.items.filter((_, i) => items[i]?.picked);
  if (many) quickPick.selectedItems = marked;
  else if (marked[0]) quickPick.activeItems = [marked[0]];
  return ask<vscode.QuickPick<vscode.QuickPickItem>, string[]>(quickPick, step, steps, (input, done) => {
    input.onDidAccept(() => {
      const chosen = many ? [...input.selectedItems] : [input.selectedItems[0] ?? input.activeItems[0]].filter((item) => item !== undefined);
      if (chosen.length > 0) done(chosen.map((item) => item.label));
    });
  });
}
