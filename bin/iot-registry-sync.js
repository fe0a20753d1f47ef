#!/usr/bin/env node
// The installed command: runs the TypeScript CLI through tsx (no build step to forget).
require('tsx/cjs');
require('./cli.ts');
