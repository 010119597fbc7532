import { describeOnDatabase } from './helpers/databases.js';
import { reconcileSuite } from './helpers/reconcile-suite.js';

describeOnDatabase('reconciliation with a CrazyTel-compatible upstream', 'postgres', reconcileSuite);
