import { createHash } from 'node:crypto';
import type { VerifyReport } from './report.js';

/**
 * What a verification report says beyond the check itself, for an auditor who reads it
 * later: when, by which Ferry, and with which key — named by a fingerprint, never shown.
 */
export interface VerificationRecord extends VerifyReport {
  /** When the check ran (ISO 8601, UTC). */
  readonly checkedAt: string;
  /** The version of Ferry that checked. */
  readonly ferryVersion: string;
  /** The HMAC key's fingerprint (`keyFingerprint`), or null when none was given. */
  readonly keyFingerprint: string | null;
}

/**
 * A short fingerprint of an HMAC chain's key: the first 16 hex digits of SHA-256 over a
 * label and the key. Two reports checked with the same key show the same fingerprint; the
 * key itself cannot be read from it (a secret of at least 16 characters, as `integrity`
 * requires, is far beyond guessing from 64 bits of a hash).
 */
export function keyFingerprint(secret: string): string {
  const hex = createHash('sha256').update('ferry verify key fingerprint\n').update(secret, 'utf8').digest('hex');
  return `sha256:${hex.slice(0, 16)}`;
}

export function verificationRecord(report: VerifyReport, facts: { readonly checkedAt: Date; readonly ferryVersion: string; readonly secret: string | undefined }): VerificationRecord {
  return { ...report, checkedAt: facts.checkedAt.toISOString(), ferryVersion: facts.ferryVersion, keyFingerprint: facts.secret === undefined ? null : keyFingerprint(facts.secret) };
}
