// oidc-provider's request context store (Provider.ctx reads it); the tests enter it to act as a request.
declare module 'oidc-provider/lib/helpers/als.js' {
  import type { AsyncLocalStorage } from 'node:async_hooks';
  const als: AsyncLocalStorage<object>;
  export default als;
}
