import Koa from 'koa';
import mount from 'koa-mount';
import serve from 'koa-static';
import helmet from 'koa-helmet';
import type { Provider } from 'oidc-provider';
import { accessibilityRoutes } from './accessibility/routes.js';
import { accountRoutes } from './account/index.js';
import { demoRelyingParty, demoRelyingPartyClient, withDemoRelyingParty } from './dev/demo-rp.js';
import { devPages, devRoutes } from './dev/routes.js';
import { interactionRoutes } from './interaction/index.js';
import { providerApiEndpoints, providerBrowserRoutes } from './oidc/api-endpoints.js';
import { providerRequests } from './oidc/provider-requests.js';
import { createProvider } from './oidc/provider.js';
import { projectPath } from './project-root.js';
import type { KeyMaterial } from './oidc/keys.js';
import type { Services } from './services.js';
import { studentRoutes, studentScreens } from './students/index.js';
import { graduateRoutes, graduateScreens } from './graduates/index.js';
import { postalCodeRoutes } from './postal/routes.js';
import { staffRoutes } from './staff/index.js';
import { CookieSigner } from './web/cookie-signer.js';
import { csrfProtection } from './web/csrf.js';
import { errorPages } from './web/errors.js';
import { language } from './web/lang.js';
import { httpsOnlyFor } from './web/plain-http.js';
import { validRequestOrigin } from './web/request-origin.js';

export interface App {
  koa: Koa;
  provider: Provider;
}

/** Composes the web application: security headers, language, errors, our routes, the provider. */
/** `operations` (health, metrics, request ids and logs — src/ops) runs before everything else. */
export function createApp(given: Services, keys: KeyMaterial, operations?: Koa.Middleware): App {
  // The demo relying party is registered at ISSUER, whatever port the demo runs on (src/dev/demo-rp.ts).
  const config = withDemoRelyingParty(given.config);
  const services: Services = config === given.config ? given : { ...given, config };
  const secure = config.issuer.startsWith('https://');
  const provider = createProvider(services, keys);
  // Logout tokens for the relying parties when an account's sign-ins are ended outside a logout.
  services.signIns.attach(provider);

  const koa = new Koa();
  // The outer app's keys must equal the provider's cookie keys (oidc-provider #341).
  koa.keys = new CookieSigner(keys.cookieKeys);
  koa.proxy = config.env.trustProxy;
  if (operations) koa.use(operations);
  koa.use(validRequestOrigin());
  // The provider's API endpoints skip the web stack that follows (src/oidc/api-endpoints.ts).
  koa.use(providerApiEndpoints(provider, { secure, database: services.database }));

  koa.use(helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        // No form-action: it would block the redirect to the client after a form post.
      },
    },
    strictTransportSecurity: secure ? { maxAge: 31536000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  }));
  koa.use(language(services.texts));
  koa.use((ctx, next) => {
    ctx.state.branding = config.branding;
    return next();
  });
  koa.use(csrfProtection(secure));
  koa.use(errorPages({ issuer: config.issuer }));
  // Static files only under their own prefixes: elsewhere a file-system lookup on every request
  // would queue behind password hashes on libuv's thread pool.
  koa.use(mount('/css', serve(projectPath('public/css'), { maxage: 3600_000, index: false })));
  koa.use(mount('/js', serve(projectPath('public/js'), { maxage: 3600_000, index: false })));

  const deps = { services, provider };
  // The login interaction shows the students' and graduates' screens of its prompts.
  const interaction = interactionRoutes(deps, { student: studentScreens(deps), graduate: graduateScreens(deps) });
  const routers = [interaction, studentRoutes(deps), graduateRoutes(deps), postalCodeRoutes(services), accountRoutes(deps), staffRoutes(deps), accessibilityRoutes(config)];
  if (!config.env.production) {
    routers.push(devRoutes(devPages(config)));
    const demoClient = demoRelyingPartyClient(config);
    if (demoClient) routers.push(demoRelyingParty(config, demoClient));
  }
  for (const router of routers) {
    koa.use(router.routes());
    koa.use(router.allowedMethods({ throw: true }));
  }
  koa.use(httpsOnlyFor(providerBrowserRoutes(provider), secure));
  koa.use(providerRequests(provider, services.database));
  return { koa, provider };
}
