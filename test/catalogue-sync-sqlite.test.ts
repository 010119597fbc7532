import { describeOnDatabase } from './helpers/databases.js';
import { catalogueSyncSuite } from './helpers/catalogue-sync-suite.js';

describeOnDatabase("reseller mode: the upstream's catalogue synced into the reseller's stock", 'sqlite', catalogueSyncSuite);
