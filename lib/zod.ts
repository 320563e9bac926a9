/**
 * The one way in to zod: `zod/mini`, whose functions tree-shake (~25 KB in a Lambda bundle where the
 * classic chained API costs ~100 KB), set up with zod's English messages, which the field-level 400
 * bodies carry (`issue.message`); mini has none of its own. Imported `import * as z from '…/zod'`.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
