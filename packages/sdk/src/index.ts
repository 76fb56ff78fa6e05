export { SDK_VERSION, DEFAULT_SDK_RANGE } from './version.js';
export { checkEvent, decodeEvent, isFerryEvent, sample } from './event.js';
export type { FerryEvent, JsonValue, JsonObject, JsonPrimitive, DecodeResult, EventProblem } from './event.js';
export { withText, textOf, eventLine, asLine } from './event-text.js';
export { memberTexts, forEachMember, forEachItem, arrayItemTexts } from './json-members.js';
export type { MemberSpan } from './json-members.js';
export { RetryableError, PermanentError, ConfigError, BackpressureError, ShutdownError, isPermanent, isConfigError, isPushBack, retryAfterOf } from './errors.js';
export { createBatch } from './batch.js';
export type { Batch, BatchSource } from './batch.js';
export { Type, Secret, FilePath, StringEnum, SECRET_KEYWORD, FILE_PATH_KEYWORD } from './schema.js';
export { compileConfigSchema } from './validation.js';
export { schemaCacheProblem, setSchemaCacheDirectory } from './validation-cache.js';
export type { ValidateFunction } from './validation.js';
export type { TSchema, TObject, Static, SchemaOptions, TStringEnum } from './schema.js';
export type {
  ComponentKind,
  Stability,
  Logger,
  ComponentTelemetry,
  ComponentStorage,
  ComponentContext,
  Component,
  ConsumeOptions,
  EventConsumer,
  ReceiverContext,
  RawDeadLetter,
  ProcessorContext,
  ExporterContext,
  ExporterProgress,
  DeliveryProgress,
  ProcessorState,
} from './component.js';
export type { DefinitionBase, ConfigOf } from './definition.js';
export { optionPath } from './config-problem.js';
export type { ConfigProblem } from './config-problem.js';
export { defineReceiver } from './receiver.js';
export type { Receiver, ReceiverDefinition } from './receiver.js';
export { defineProcessor } from './processor.js';
export type { Processor, ProcessorDefinition, BatchPolicy } from './processor.js';
export { defineExporter } from './exporter.js';
export type { Exporter, ExporterDefinition, ExportContext, ExportResult, RejectedEvent, ExporterLimits } from './exporter.js';

import type { ReceiverDefinition } from './receiver.js';
import type { ProcessorDefinition } from './processor.js';
import type { ExporterDefinition } from './exporter.js';
/** Any component definition a plugin package may default-export. */
export type ComponentDefinition = ReceiverDefinition | ProcessorDefinition | ExporterDefinition;
