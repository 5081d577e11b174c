/** Runs the CLI in-process through main(argv), with stdout and stderr captured. */
import { main, type CliIo } from '../../src/cli/main.ts';

export interface MainResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout as exactly one JSON document (throws when it is not). */
  json(): any;
}

export async function runMain(argv: string[], io: Partial<Pick<CliIo, 'withEngine'>> = {}): Promise<MainResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    ...io,
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

/** A withEngine that hands every command the given (fake or shared) engine, without opening anything. */
export const withFake = (engine: object): Pick<CliIo, 'withEngine'> => ({
  withEngine: (async (_g: unknown, fn: (e: any) => Promise<unknown>) => fn(engine)) as CliIo['withEngine'],
});
