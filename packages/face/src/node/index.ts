/**
 * Node-only helpers of @holocall/face (tests, scripts, the inference node): PNG files and the
 * committed landmark fixture. Not browser-safe.
 */
export * from './fixtures';
export * from './png';
