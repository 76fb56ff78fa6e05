import { deliverySchema } from '../config/host-schema.js';
import { hostOptionSplitter } from '../config/host-options.js';

/** An exporter's config split into the plugin's own options and the host's delivery options. */
export const splitExporterConfig = hostOptionSplitter(deliverySchema);
