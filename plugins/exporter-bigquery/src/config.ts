import { FilePath, Type, type Static } from '@ferry/sdk';

export const configSchema = Type.Object(
  {
    projectId: Type.String({ minLength: 1, description: 'Google Cloud project ID.' }),
    datasetId: Type.String({ minLength: 1, description: 'BigQuery dataset ID.' }),
    tableId: Type.String({ minLength: 1, description: 'BigQuery table ID.' }),
    apiEndpoint: Type.Optional(
      Type.String({ format: 'uri', description: 'Points the client at an emulator or proxy (`http://localhost:9050`) instead of `https://bigquery.googleapis.com`.' }),
    ),
    anonymous: Type.Boolean({ default: false, description: 'Send no Google credentials (emulators need none). Otherwise Application Default Credentials or `keyFilename`.' }),
    keyFilename: Type.Optional(FilePath({ minLength: 1, description: 'Path of a service account key file, instead of Application Default Credentials.' })),
    location: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Where the table must be (`US`, `EU`, `europe-west1`): start refuses a table in any other location, so events never land outside it (data residency). Unset: not checked.',
      }),
    ),
    createTable: Type.Boolean({
      default: false,
      description: "Create a missing table at start, with the columns of `@grantex/destinations` (and the nullable `ferry` column), day partitioning and clustering by `event_type`. Needs `bigquery.tables.create`.",
    }),
  },
  { additionalProperties: false },
);

export type BigQueryConfig = Static<typeof configSchema>;

/** `project.dataset.table`, as errors and logs name it. */
export function tableName(config: BigQueryConfig): string {
  return `${config.projectId}.${config.datasetId}.${config.tableId}`;
}
