// Imported first by the benchmark's entry points, before any module of the product is evaluated.
// The application's own logs stay out of the report (the logger reads LOG_LEVEL when it loads).
process.env.LOG_LEVEL ??= 'silent';
// Libraries and the view cache (src/web/render.ts) behave as in production. The product's own
// configuration is unaffected: the harness passes loadConfig an environment of its own.
process.env.NODE_ENV = 'production';
