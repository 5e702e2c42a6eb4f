import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The project's root folder: the one holding package.json next to views/, public/, config/. Found by
 * walking up from this file, so it is the same whether the code runs as TypeScript from src/ (tsx)
 * or compiled from dist/src/ (`npm run build`, the container image).
 */
function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'views'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`cert-idp: no project root (package.json and views/) above ${start}`);
  }
}

export const projectRoot = findProjectRoot(import.meta.dirname);

/** A path inside the project root (views, public, config …). */
export function projectPath(...parts: string[]): string {
  return path.join(projectRoot, ...parts);
}
