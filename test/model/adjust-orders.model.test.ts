import { adjustOrdersTarget } from './support/adjust-orders-target.js';
import { modelSuite } from './support/model-suite.js';

modelSuite('AdjustOrders workflow', adjustOrdersTarget);
