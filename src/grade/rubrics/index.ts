/**
 * The rubrics shipped with tcpscope, usable by name (`--rubric lifecycle-lab`).
 * They are TypeScript data so they are compiled into dist/ with the rest;
 * they go through the same validation as a rubric file.
 */
import { lifecycleLab } from './lifecycle-lab.ts';
import { timewaitLab } from './timewait-lab.ts';

export const BUILTIN_RUBRICS: Readonly<Record<string, unknown>> = {
  'lifecycle-lab': lifecycleLab,
  'timewait-lab': timewaitLab,
};
