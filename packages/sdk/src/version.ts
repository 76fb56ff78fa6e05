/** The SDK version the host implements; plugins declare a semver range against it. */
export const SDK_VERSION = '0.1.0';

/** The range a plugin gets when it does not state one: this minor line of the SDK. */
export const DEFAULT_SDK_RANGE = '^0.1.0';
