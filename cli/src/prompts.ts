import * as clack from '@clack/prompts';
import { CancelledError } from './failures.js';

export interface Choice<T> {
  value: T;
  label: string;
  hint?: string;
}

/** The questions a guided command asks; on a terminal they are @clack/prompts. */
export interface Prompts {
  intro(title: string): void;
  outro(message: string): void;
  note(message: string, title?: string): void;
  select<T>(message: string, choices: Array<Choice<T>>): Promise<T>;
  text(message: string, options?: { placeholder?: string; optional?: boolean; validate?: (value: string) => string | undefined }): Promise<string>;
  confirm(message: string): Promise<boolean>;
}

function answered<T>(value: T | symbol): Exclude<T, symbol> {
  if (clack.isCancel(value)) throw new CancelledError('cancelled');
  return value as Exclude<T, symbol>;
}

export function terminalPrompts(): Prompts {
  return {
    intro: (title) => clack.intro(title),
    outro: (message) => clack.outro(message),
    note: (message, title) => clack.note(message, title),
    select: async <T>(message: string, choices: Array<Choice<T>>): Promise<T> =>
      answered<unknown>(
        await clack.select<T>({
          message,
          options: choices.map((c) => ({ value: c.value, label: c.label, ...(c.hint ? { hint: c.hint } : {}) })) as never,
          maxItems: 12,
        }),
      ) as T,
    text: async (message, options = {}) =>
      answered(
        await clack.text({
          message,
          ...(options.placeholder ? { placeholder: options.placeholder } : {}),
          validate: (value) => {
            const text = (value ?? '').trim();
            if (!options.optional && text === '') return 'Required';
            return text === '' ? undefined : options.validate?.(text);
          },
        }),
      ).trim(),
    confirm: async (message) => answered(await clack.confirm({ message })),
  };
}
