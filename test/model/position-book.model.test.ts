import { modelSuite } from './support/model-suite.js';
import { positionBookTarget } from './support/position-book-target.js';

modelSuite('position book', positionBookTarget);
