import { describeOnDatabase } from './helpers/databases.js';
import { ledgerProperty } from './helpers/ledger-property-suite.js';

describeOnDatabase('ledger property', 'postgres', ledgerProperty);
