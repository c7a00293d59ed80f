import { orderTarget } from './support/order-target.js';
import { modelSuite } from './support/model-suite.js';

modelSuite('order machine', orderTarget);
