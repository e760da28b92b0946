#!/usr/bin/env node
/**
 * The `tickbridge` bin: core's command line with the faces wired in. It lives outside core/ so
 * that core never imports a face; the terminal monitor (Ink, React) loads only for `tickbridge tui`.
 */
import { runCli } from '../core/src/cli/program.js';

await runCli(process.argv, {
  runMonitor: async (options) => (await import('../tui/main.js')).runTui(options)
});
