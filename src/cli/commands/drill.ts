import type { Command } from 'commander';
import type { Run } from '../main.ts';

export function registerDrill(program: Command, run: Run, _setCode: (c: number) => void): void {
  program.command('drill').description('full containment drill against a real OpenID Connect provider on loopback')
    .action(() => run(async (g, out) => {
      const { runDrill } = await import('../../../lab/drill/run-drill.ts');
      await runDrill(g, out);
    }));
}
