import { describeOnDatabase } from './helpers/databases.js';
import { purchaseModel } from './helpers/purchase-model-suite.js';

describeOnDatabase('purchase model', 'sqlite', purchaseModel);
