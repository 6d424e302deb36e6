import { createRequire } from 'node:module';

const CachePolicy = createRequire(import.meta.url)('./index.js');

export default CachePolicy;
