// Loaded by mocha before any test file: keep the application's own logs out of the test output.
process.env.LOG_LEVEL ??= 'silent';
