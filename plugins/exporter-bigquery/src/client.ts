import { BigQuery, type Table } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import type { BigQueryConfig } from './config.js';

/**
 * The client library's handle on the configured table. Its own retries are off: the host
 * retries with backoff and knows which rows still need it, and any hidden retry would
 * multiply load during an outage. `anonymous` sends no Authorization header at all
 * (google-auth-library's PassThroughClient), which is what emulators expect.
 */
export function openTable(config: BigQueryConfig): Table {
  const client = new BigQuery({
    projectId: config.projectId,
    retryOptions: { autoRetry: false, maxRetries: 0 },
    ...(config.apiEndpoint ? { apiEndpoint: config.apiEndpoint } : {}),
    ...(config.anonymous ? { authClient: new PassThroughClient() } : config.keyFilename ? { keyFilename: config.keyFilename } : {}),
  });
  return client.dataset(config.datasetId).table(config.tableId);
}

