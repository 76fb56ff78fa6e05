/** Test support for Ferry's postgres plugins: a schema of its own per test file, on a real PostgreSQL. */
export { testSchema, TEST_POSTGRES_URL } from './database.js';
export type { TestSchema } from './database.js';
