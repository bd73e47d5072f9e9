#!/usr/bin/env node
// The `credit-bank` command: runs the TypeScript entry point through tsx (a runtime dependency).
import { register } from 'tsx/esm/api'

register()
await import('./credit-bank.ts')
