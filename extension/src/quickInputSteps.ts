/** The StepUi of VS Code: an input box or quick pick with "Step n/N" and a Back button. */
import * as vscode from 'vscode';
import { BACK, type StepAnswer, type StepUi } from './stepUi.js';

function ask<T extends vscode.QuickInput>(input: T, step: number, steps: number, wire: (input: T, done: (answer: StepAnswer) => void) => void): Promise<StepAnswer> {
  input.step = step;
  input.totalSteps = steps;
  input.ignoreFocusOut = true;
  (input as unknown as vscode.QuickPick<vscode.QuickPickItem>).buttons = step > 1 ? [vscode.QuickInputButtons.Back] : [];
  return new Promise<StepAnswer>((resolve) => {
    let settled = false;
    const done = (answer: StepAnswer) => {
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
  pick(title, step, steps, items, active) {
    const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem>();
    quickPick.title = title;
    quickPick.items = items.map((item) => ({ label: item.label, ...(item.description !== undefined && { description: item.description }) }));
    const preselected = quickPick.items.find((item) => item.label === active);
    if (preselected) quickPick.activeItems = [preselected];
    return ask(quickPick, step, steps, (input, done) => {
      input.onDidAccept(() => {
        const chosen = input.selectedItems[0] ?? input.activeItems[0];
        if (chosen) done(chosen.label);
      });
    });
  }
};
