import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CfnTemplate } from './template';

/**
 * Reads `<Stack>.template.json` files (the layout of `cdk.out`) from a directory, or one such
 * file, keyed by stack name.
 */
export const loadTemplatesFromDir = (path: string): Record<string, CfnTemplate> => {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((name) => name.endsWith('.template.json'))
        .map((name) => join(path, name))
    : [path];
  if (files.length === 0) throw new Error(`No *.template.json files in ${path}`);
  const templates: Record<string, CfnTemplate> = {};
  for (const file of files) {
    const stack = basename(file)
      .replace(/\.template\.json$/, '')
      .replace(/\.json$/, '');
    try {
      templates[stack] = JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;
    } catch (error) {
      throw new Error(`Template ${file} is not valid JSON`, { cause: error });
    }
  }
  return templates;
};
