/** The `emulator` command: what it prints when it starts (scripts read the first line for the URL). */
import { runEmulatorCommand } from '../../bin/commands/emulator';

describe('the emulator command', () => {
  it('prints "listening on http://HOST:PORT" first', async () => {
    const lines: string[] = [];
    const emulator = await runEmulatorCommand({ host: '127.0.0.1', port: 0 }, (line) => lines.push(line));
    try {
      expect(lines[0]).toBe(`listening on http://127.0.0.1:${emulator.port}`);
      expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}`);
    } finally {
      await emulator.close();
    }
  });
});
