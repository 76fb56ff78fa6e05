import { Type, type Static } from '@ferry/sdk';

export const configSchema = Type.Object(
  {
    projectId: Type.String({ minLength: 1, description: 'Google Cloud project ID.' }),
    datasetId: Type.String({ minLength: 1, description: 'BigQuery dataset ID.' }),
    tableId: Type.String({ minLength: 1, description: 'BigQuery table ID.' }),
    location: Type.Optional(Type.String({ minLength: 1, description: 'The dataset\'s location (`US`, `EU`, `europe-west1`), for the table created with `createTable`.' })),
    apiEndpoint: Type.Optional(Type.String({ format: 'uri', description: 'Points the client at an emulator or proxy (`http://localhost:9050`) instead of `https://bigquery.googleapis.com`.' })),
    anonymous: Type.Boolean({ default: false, description: 'Send no Google credentials (emulators need none). Otherwise Application Default Credentials or `keyFilename`.' }),
    keyFilename: Type.Optional(Type.String({ minLength: 1, description: 'A service account key file, instead of Application Default Credentials.' })),
    createTable: Type.Boolean({ default: false, description: 'Create a missing table at start, with the seed\'s columns, day partitioning and clustering by `event_type`.' }),
  },
  { additionalProperties: false },
);

export type BigQueryConfig = Static<typeof configSchema>;
