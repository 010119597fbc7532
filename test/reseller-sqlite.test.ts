import { describeOnDatabase } from './helpers/databases.js';
import { resellerSuite } from './helpers/reseller-suite.js';

describeOnDatabase('reseller mode: selling numbers bought from a CrazyTel-compatible upstream', 'sqlite', resellerSuite);
