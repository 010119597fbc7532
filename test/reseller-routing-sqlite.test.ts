import { describeOnDatabase } from './helpers/databases.js';
import { resellerRoutingSuite } from './helpers/reseller-routing-suite.js';

describeOnDatabase('reseller mode: number changes that must reach upstream', 'sqlite', resellerRoutingSuite);
