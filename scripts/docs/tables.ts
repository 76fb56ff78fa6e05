import { retrySchema, queueSchema, serviceSchema, storageSchema } from '@ferry/host/schemas';
import { leaderElectionSchema } from '@ferry/host/leader-election-schema';
import { optionTable } from '@ferry/sdk/docs';

export { optionTable };

/** Enough of a JSON Schema node to list the service section's properties. */
interface Node {
  properties?: Record<string, unknown>;
}

/** The host's own sections of the config reference. */
export function hostSections(): string[] {
  return [
    `### \`storage\` (persistence)\n\n${optionTable(storageSchema)}`,
    `### \`service\`\n\n${optionTable({ properties: { ...(serviceSchema as Node).properties, pipelines: { type: 'object', description: 'Named pipelines: `{ "receivers": [ids], "processors": [ids], "exporters": [ids] }`.' } } })}`,
    `### Delivery options every exporter takes\n\n\`batchSize\`, \`maxBatchBytes\` and \`flushIntervalMs\` (defaults per exporter, see each one), \`timeoutMs\` (30000), \`maxInFlight\` (4), and:\n\n${optionTable({ properties: { retry: retrySchema, queue: queueSchema } })}`,
    `### Leader election (any receiver)\n\nA receiver with \`leaderElection\` runs on one instance at a time (see [Leader election](#leader-election-for-single-reader-sources)):\n\n${optionTable({ properties: { leaderElection: leaderElectionSchema } })}`,
  ];
}
