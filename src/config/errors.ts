/**
 * A configuration problem: the message names the key so an operator can fix it. Its own module so
 * that every part of the configuration (and the modules that check keys at start-up) can throw it
 * without importing the loader.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
